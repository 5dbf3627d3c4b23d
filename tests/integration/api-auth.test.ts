import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";

function expectEnvelope(res: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({
    error: { code, message: expect.any(String), details: expect.any(Object), request_id: expect.stringMatching(/^req_/), timestamp: expect.stringMatching(/Z$/) },
  });
  expect(res.headers.get("x-request-id")).toBe(res.body.error.request_id);
  expect(res.headers.get("cache-control")).toBe("no-store");
}

describe("authentication", () => {
  it("refuses a request without credentials", async () => {
    expectEnvelope(await api("GET", "indexes"), 401, "authentication_required");
  });

  it("refuses malformed and unknown keys alike", async () => {
    expectEnvelope(await api("GET", "indexes", { apiKey: "nope" }), 401, "authentication_invalid_api_key");
    expectEnvelope(await api("GET", "indexes", { apiKey: "sk_live_" + "0".repeat(48) }), 401, "authentication_invalid_api_key");
  });

  it("validates a key with 204 and an empty body, via X-API-Key and via Bearer", async () => {
    const w = await newWorkspace(["search"]);
    const a = await api("GET", "auth/validate", { apiKey: w.apiKey });
    expect(a.status).toBe(204);
    expect(a.text).toBe("");
    expect(a.headers.get("x-request-id")).toMatch(/^req_/);
    expect((await api("GET", "auth/validate", { bearer: w.apiKey })).status).toBe(204);
  });

  it("accepts a session token as Bearer", async () => {
    const w = await newWorkspace();
    expect((await api("GET", "auth/validate", { bearer: w.session })).status).toBe(204);
    expectEnvelope(await api("GET", "auth/validate", { bearer: "not-a-session" }), 401, "authentication_invalid_api_key");
  });

  it("lets X-API-Key win over Authorization", async () => {
    const w = await newWorkspace();
    // valid header + garbage bearer → valid; garbage header + valid bearer → invalid
    expect((await api("GET", "auth/validate", { apiKey: w.apiKey, bearer: "garbage" })).status).toBe(204);
    expectEnvelope(await api("GET", "auth/validate", { apiKey: "sk_live_" + "1".repeat(48), bearer: w.apiKey }), 401, "authentication_invalid_api_key");
  });

  it("refuses revoked and expired keys with authentication_revoked_api_key", async () => {
    const w = await newWorkspace();
    await db.apiKey.update({ where: { id: w.apiKeyId }, data: { revokedAt: new Date() } });
    expectEnvelope(await api("GET", "auth/validate", { apiKey: w.apiKey }), 401, "authentication_revoked_api_key");
    const w2 = await newWorkspace();
    await db.apiKey.update({ where: { id: w2.apiKeyId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expectEnvelope(await api("GET", "auth/validate", { apiKey: w2.apiKey }), 401, "authentication_revoked_api_key");
  });

  it("records last_used_at", async () => {
    const w = await newWorkspace();
    const before = Date.now();
    await api("GET", "auth/validate", { apiKey: w.apiKey });
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: w.apiKeyId } });
    expect(row.lastUsedAt).toBeInstanceOf(Date);
    expect(Math.abs(row.lastUsedAt!.getTime() - before)).toBeLessThan(10_000);
    // Recorded at most once a minute: a recent value stays; one older than a minute is refreshed.
    const recent = new Date(Date.now() - 30_000);
    await db.apiKey.update({ where: { id: w.apiKeyId }, data: { lastUsedAt: recent } });
    await api("GET", "auth/validate", { apiKey: w.apiKey });
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: w.apiKeyId } })).lastUsedAt).toEqual(recent);
    await db.apiKey.update({ where: { id: w.apiKeyId }, data: { lastUsedAt: new Date(Date.now() - 90_000) } });
    await api("GET", "auth/validate", { apiKey: w.apiKey });
    expect(Date.now() - (await db.apiKey.findUniqueOrThrow({ where: { id: w.apiKeyId } })).lastUsedAt!.getTime()).toBeLessThan(10_000);
  });

  it("compares expiry in UTC to the second: a key expiring in a minute works, one expired a second ago does not", async () => {
    const w = await newWorkspace();
    await db.apiKey.update({ where: { id: w.apiKeyId }, data: { expiresAt: new Date(Date.now() + 60_000) } });
    expect((await api("GET", "auth/validate", { apiKey: w.apiKey })).status).toBe(204);
    await db.apiKey.update({ where: { id: w.apiKeyId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expectEnvelope(await api("GET", "auth/validate", { apiKey: w.apiKey }), 401, "authentication_revoked_api_key");
  });

  it("counts an API-key request once per budget, and a revoked or expired key's requests against nothing", async () => {
    const w = await newWorkspace();
    const buckets = () => db.rateLimitBucket.findMany({ where: { key: { contains: `:${w.apiKeyId}:` } }, orderBy: { key: "asc" } });
    const windowOf = (key: string) => key.split(":").pop();
    await api("GET", "auth/validate", { apiKey: w.apiKey });
    const afterOne = await buckets();
    expect(afterOne.map((b) => [b.key.split(":")[0], b.count])).toEqual([["default", 1]]);
    const c = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: { name: "x", bucket: "bucket-x", aws_access_key_id: "AKIAEXAMPLE00000009", aws_secret_access_key: "s", endpoint: "http://127.0.0.1:1" } });
    await api("POST", `connectors/${c.body.connector_id}/browse`, { apiKey: w.apiKey, json: { prefix: "", pattern: "*" } });
    const now = await buckets();
    const current = now.filter((b) => windowOf(b.key) === windowOf(now.at(-1)!.key));
    // Browse is costly: it spends both budgets. (A window may have turned over between requests.)
    expect(current.find((b) => b.key.startsWith("costly:"))?.count).toBe(1);
    expect(now.reduce((n, b) => n + (b.key.startsWith("default:") ? b.count : 0), 0)).toBe(3);
    await db.apiKey.update({ where: { id: w.apiKeyId }, data: { revokedAt: new Date() } });
    expectEnvelope(await api("GET", "auth/validate", { apiKey: w.apiKey }), 401, "authentication_revoked_api_key");
    expect(await buckets()).toEqual(now);
  });
});

describe("scopes: admin > write > read > search", () => {
  // [method, path builder, body, minimum scope]
  const cells: [string, (id: string) => string, unknown, "search" | "read" | "write" | "admin"][] = [
    ["GET", () => "indexes", undefined, "search"],
    ["GET", (id) => `indexes/${id}`, undefined, "search"],
    ["POST", () => "indexes", { name: "x" }, "write"],
    ["PATCH", (id) => `indexes/${id}`, { name: "y" }, "write"],
    ["DELETE", (id) => `indexes/${id}`, undefined, "admin"],
  ];
  const scopes = ["search", "read", "write", "admin"] as const;
  const rank = { search: 1, read: 2, write: 3, admin: 4 };

  it("grants exactly the ranked scopes (20 cells)", async () => {
    let checked = 0;
    for (const scope of scopes) {
      const w = await newWorkspace([scope]);
      for (const [method, path, body, min] of cells) {
        const idx = await db.index.create({ data: { id: newId("idx"), workspaceId: w.workspaceId, name: "m" } });
        const res = await api(method, path(idx.id), { apiKey: w.apiKey, json: body });
        if (rank[scope] >= rank[min]) expect(res.status, `${scope} ${method} ${path("…")}`).toBeLessThan(300);
        else expectEnvelope(res, 403, "authorization_insufficient_scope");
        checked++;
      }
    }
    expect(checked).toBe(scopes.length * cells.length);
  });
});
