import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { db } from "@/lib/db";

describe("Idempotency-Key", () => {
  it("replays the original status and body without running again", async () => {
    const w = await newWorkspace();
    const headers = { "idempotency-key": "create-1" };
    const first = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "once" }, headers });
    const second = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "once" }, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await db.index.count({ where: { workspaceId: w.workspaceId } })).toBe(1);
  });

  it("answers a different request with the same key with 409 idempotency_request_mismatch", async () => {
    const w = await newWorkspace();
    const headers = { "idempotency-key": "k" };
    await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "one" }, headers });
    const other = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "two" }, headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_request_mismatch");
    expect(await db.index.count({ where: { workspaceId: w.workspaceId } })).toBe(1);
  });

  it("does not store requests rejected before execution (422)", async () => {
    const w = await newWorkspace();
    const headers = { "idempotency-key": "bad-then-good" };
    expect((await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "" }, headers })).status).toBe(422);
    expect((await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "good" }, headers })).status).toBe(201);
  });

  it("scopes keys per credential", async () => {
    const w = await newWorkspace();
    const headers = { "idempotency-key": "shared" };
    const byKey = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "k" }, headers });
    const bySession = await api("POST", "indexes", { bearer: w.session, json: { name: "s" }, headers });
    expect(byKey.status).toBe(201);
    expect(bySession.status).toBe(201);
    expect(bySession.body.index_id).not.toBe(byKey.body.index_id);
  });

  it("creates one resource from 20 parallel requests with one key", async () => {
    const w = await newWorkspace();
    const headers = { "idempotency-key": "parallel" };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => api("POST", "indexes", { apiKey: w.apiKey, json: { name: "p" }, headers })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    for (const r of results) {
      if (r.status === 201) expect(r.body.index_id).toBe(results.find((x) => x.status === 201)!.body.index_id);
      else {
        expect(r.status).toBe(409);
        expect(r.body.error.code).toBe("idempotency_in_progress");
      }
    }
    expect(await db.index.count({ where: { workspaceId: w.workspaceId } })).toBe(1);
  });

  it("refuses keys longer than 255 characters", async () => {
    const w = await newWorkspace();
    const res = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "x" }, headers: { "idempotency-key": "k".repeat(256) } });
    expect(res.status).toBe(422);
  });
});
