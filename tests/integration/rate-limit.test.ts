import { afterEach, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { resetEnvCache } from "@/lib/config/env";
import { consumeRateLimit, sweepRateLimits } from "@/lib/api/rate-limit";
import { db } from "@/lib/db";

afterEach(() => {
  delete process.env.GANTRY_RATE_LIMIT_PER_MINUTE;
  delete process.env.GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE;
  resetEnvCache();
});

describe("rate limits (stored in the database, per credential)", () => {
  it("answers 429 rate_limited with Retry-After once the budget is spent", async () => {
    process.env.GANTRY_RATE_LIMIT_PER_MINUTE = "5";
    resetEnvCache();
    const w = await newWorkspace();
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await api("GET", "indexes", { apiKey: w.apiKey });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(last!.body.error.code).toBe("rate_limited");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(last!.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(last!.headers.get("x-ratelimit-remaining")).toBe("0");
    // another credential of another workspace is unaffected
    const other = await newWorkspace();
    expect((await api("GET", "indexes", { apiKey: other.apiKey })).status).toBe(200);
  });

  it("gives costly actions a tighter budget of their own", async () => {
    process.env.GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE = "2";
    resetEnvCache();
    const w = await newWorkspace();
    const c = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: { name: "x", bucket: "bucket-x", aws_access_key_id: "AKIAEXAMPLE00000009", aws_secret_access_key: "s", endpoint: "http://127.0.0.1:1" } });
    // Windows are fixed minutes: start early in one, so the three calls cannot straddle a boundary.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
    const tests = [];
    for (let i = 0; i < 3; i++) tests.push((await api("POST", `connectors/${c.body.connector_id}/test`, { apiKey: w.apiKey })).status);
    expect(tests).toEqual([200, 200, 429]);
    // the default budget still serves ordinary requests
    expect((await api("GET", "connectors", { apiKey: w.apiKey })).status).toBe(200);
  });

  it("counts atomically under concurrency (one shared counter, no lost updates)", async () => {
    const subject = `concurrency-${Date.now()}`;
    const results = await Promise.all(Array.from({ length: 30 }, () => consumeRateLimit(subject, "default")));
    const remaining = results.map((r) => r.remaining).sort((a, b) => b - a);
    const limit = results[0].limit;
    expect(remaining).toEqual(Array.from({ length: 30 }, (_, i) => limit - 1 - i));
  });

  it("sweeps windows over a minute past their reset and expired idempotency records, keeping the rest", async () => {
    const now = new Date();
    const tag = `sweep-${Date.now()}`;
    const w = await newWorkspace();
    await db.rateLimitBucket.createMany({
      data: [
        { key: `${tag}:old`, count: 3, resetAt: new Date(now.getTime() - 61_000) },
        { key: `${tag}:recent`, count: 3, resetAt: new Date(now.getTime() - 30_000) },
        { key: `${tag}:current`, count: 3, resetAt: new Date(now.getTime() + 30_000) },
      ],
    });
    const record = (key: string, expiresAt: Date) => ({ id: `${tag}-${key}`, workspaceId: w.workspaceId, credentialId: "cred", key, requestHash: "h", state: "done", expiresAt });
    await db.idempotencyRecord.createMany({ data: [record("expired", new Date(now.getTime() - 1000)), record("live", new Date(now.getTime() + 60_000))] });
    await sweepRateLimits(now);
    const buckets = await db.rateLimitBucket.findMany({ where: { key: { startsWith: tag } }, orderBy: { key: "asc" } });
    expect(buckets.map((b) => b.key)).toEqual([`${tag}:current`, `${tag}:recent`]);
    const records = await db.idempotencyRecord.findMany({ where: { id: { startsWith: tag } } });
    expect(records.map((r) => r.key)).toEqual(["live"]);
  });
});
