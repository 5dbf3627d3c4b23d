import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { db } from "@/lib/db";
import { resetEnvCache } from "@/lib/config/env";
import { unseal } from "@/lib/security/secrets";
import { keyring } from "@/lib/security/keyring";
import { connectorAad } from "@/lib/connectors/sealing";
import { webhookSecretAad } from "@/lib/webhooks/sealing";
import { newId } from "@/lib/ids";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const original = { kek: process.env.GANTRY_KEK, cron: process.env.GANTRY_CRON_SECRET };
afterEach(() => {
  process.env.GANTRY_KEK = original.kek;
  if (original.cron === undefined) delete process.env.GANTRY_CRON_SECRET;
  else process.env.GANTRY_CRON_SECRET = original.cron;
  resetEnvCache();
});

describe("serverless cron route /api/cron/jobs", () => {
  it("refuses calls without the secret and runs a bounded time slice with it", async () => {
    process.env.GANTRY_CRON_SECRET = "cron-secret-0123456789";
    resetEnvCache();
    const { GET } = await import("@/app/api/cron/jobs/route");
    const denied = await GET(new Request("http://x/api/cron/jobs", { headers: { authorization: "Bearer wrong-secret-0123456789" } }));
    expect(denied.status).toBe(401);
    const ok = await GET(new Request("http://x/api/cron/jobs?budget_ms=1000", { headers: { authorization: "Bearer cron-secret-0123456789" } }));
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body).toEqual({ processed: expect.any(Number), failed: expect.any(Number), remaining_estimate: expect.any(Number) });
  });
});

describe("key-encryption key rotation (npm run gantry -- keys rotate)", () => {
  it("re-wraps every sealed secret under the newest KEK; the old KEK can then be dropped", async () => {
    const [v1, v2] = original.kek!.split(",");
    expect(v2, "global setup provides a two-version keyring").toMatch(/^v2:/);
    process.env.GANTRY_KEK = v1; // this process seals under v1 only, like a deployment before rotation
    resetEnvCache();
    const w = await newWorkspace();
    const c = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: { name: "rot", bucket: "bucket-rot", aws_access_key_id: "AKIAEXAMPLE00000077", aws_secret_access_key: "rotate-me" } });
    const before = (await db.connector.findUniqueOrThrow({ where: { id: c.body.connector_id } })).sealedCredentials;
    expect(before.startsWith("gse1.1.")).toBe(true);
    const wh = await api("POST", "webhooks", { apiKey: w.apiKey, json: { name: "rot", url: "https://127.0.0.1/hook", events: ["media.created"] } });
    expect((await db.webhook.findUniqueOrThrow({ where: { id: wh.body.webhook_id } })).sealedSecret.startsWith("gse1.1.")).toBe(true);

    // The operator adds v2 and runs the rotation.
    const out = await run(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/gantry.ts", "keys", "rotate"], { cwd: ROOT, env: { ...process.env, GANTRY_KEK: `${v1},${v2}` } });
    expect(out.stdout).toMatch(/connectors: re-wrapped [1-9]\d* of \d+/);
    expect(out.stdout).toMatch(/webhooks: re-wrapped [1-9]\d* of \d+/);

    const after = (await db.connector.findUniqueOrThrow({ where: { id: c.body.connector_id } })).sealedCredentials;
    expect(after.startsWith("gse1.2.")).toBe(true);
    expect(after.split(".")[3]).toBe(before.split(".")[3]); // payload untouched, only the data key re-wrapped
    process.env.GANTRY_KEK = v2; // v1 dropped
    resetEnvCache();
    expect(JSON.parse(unseal(after, connectorAad(c.body.connector_id), keyring()).toString()).secretAccessKey).toBe("rotate-me");
    expect(() => unseal(after, connectorAad(newId("conn")), keyring())).toThrow();
    const whAfter = (await db.webhook.findUniqueOrThrow({ where: { id: wh.body.webhook_id } })).sealedSecret;
    expect(whAfter.startsWith("gse1.2.")).toBe(true);
    expect(unseal(whAfter, webhookSecretAad(wh.body.webhook_id), keyring()).toString()).toBe(wh.body.secret);
  });
});

describe("connector_in_use", () => {
  it("refuses to delete a connector a running import job uses", async () => {
    const w = await newWorkspace();
    const c = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: { name: "busy", bucket: "bucket-busy", aws_access_key_id: "AKIAEXAMPLE00000078", aws_secret_access_key: "s" } });
    const idx = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "i" } });
    const jobId = newId("job");
    await db.importJob.create({ data: { id: jobId, workspaceId: w.workspaceId, connectorId: c.body.connector_id, indexId: idx.body.index_id, sourcePrefix: "", filePattern: "*", recursive: true, importMode: "all", status: "importing" } });
    const res = await api("DELETE", `connectors/${c.body.connector_id}`, { apiKey: w.apiKey });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "connector_in_use", details: { in_use_by: [jobId] } });
    await db.importJob.update({ where: { id: jobId }, data: { status: "completed" } });
    expect((await api("DELETE", `connectors/${c.body.connector_id}`, { apiKey: w.apiKey })).status).toBe(200);
  });
});
