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
    await api("GET", "auth/validate", { apiKey: w.apiKey });
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: w.apiKeyId } });
    expect(row.lastUsedAt).toBeInstanceOf(Date);
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
