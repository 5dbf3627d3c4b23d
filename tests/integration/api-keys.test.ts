import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { db } from "@/lib/db";

describe("/api-keys (session only)", () => {
  it("refuses API keys, even admin ones", async () => {
    const w = await newWorkspace(["admin"]);
    const res = await api("GET", "api-keys", { apiKey: w.apiKey });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("authorization_insufficient_scope");
  });

  it("creates a key shown once, stored as a hash, listed with prefix and scopes", async () => {
    const w = await newWorkspace();
    const created = await api("POST", "api-keys", { bearer: w.session, json: { name: "ci", scopes: ["write"], expires_in_days: 30 } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sk_live_[0-9a-f]{48}$/);
    expect(created.body).toMatchObject({ name: "ci", scopes: ["write"], status: "active", key_prefix: created.body.key.slice(0, 14) });
    expect(Date.parse(created.body.expires_at) - Date.now()).toBeGreaterThan(29 * 86400_000);

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.body.key_id } });
    expect(JSON.stringify(row)).not.toContain(created.body.key);

    const list = await api("GET", "api-keys", { bearer: w.session });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.text).not.toContain(created.body.key);
    expect(list.body.map((k: { key_id: string }) => k.key_id)).toContain(created.body.key_id);

    // the new key works with its scope
    expect((await api("POST", "indexes", { apiKey: created.body.key, json: { name: "via ci" } })).status).toBe(201);
    expect((await api("DELETE", "indexes/idx_00000000000000000000000000", { apiKey: created.body.key })).status).toBe(403);
  });

  it("defaults scopes to read and validates expires_in_days", async () => {
    const w = await newWorkspace();
    const created = await api("POST", "api-keys", { bearer: w.session, json: { name: "r" } });
    expect(created.body.scopes).toEqual(["read"]);
    const bad = await api("POST", "api-keys", { bearer: w.session, json: { name: "r", expires_in_days: 366 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.fields[0].field).toBe("expires_in_days");
    const badScope = await api("POST", "api-keys", { bearer: w.session, json: { name: "r", scopes: ["root"] } });
    expect(badScope.status).toBe(422);
  });

  it("revokes: the key stops working with authentication_revoked_api_key", async () => {
    const w = await newWorkspace();
    const created = await api("POST", "api-keys", { bearer: w.session, json: { name: "tmp" } });
    const revoked = await api("POST", `api-keys/${created.body.key_id}/revoke`, { bearer: w.session });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("revoked");
    const res = await api("GET", "auth/validate", { apiKey: created.body.key });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("authentication_revoked_api_key");
  });

  it("rotates: new key works, old key is revoked", async () => {
    const w = await newWorkspace();
    const created = await api("POST", "api-keys", { bearer: w.session, json: { name: "rot", scopes: ["read"] } });
    const rotated = await api("POST", `api-keys/${created.body.key_id}/rotate`, { bearer: w.session });
    expect(rotated.status).toBe(200);
    expect(rotated.body.old_key_id).toBe(created.body.key_id);
    expect(rotated.body.new_key).toMatch(/^sk_live_[0-9a-f]{48}$/);
    expect((await api("GET", "auth/validate", { apiKey: rotated.body.new_key })).status).toBe(204);
    expect((await api("GET", "auth/validate", { apiKey: created.body.key })).status).toBe(401);
    const fresh = await api("GET", `api-keys/${rotated.body.new_key_id}`, { bearer: w.session });
    expect(fresh.body).toMatchObject({ name: "rot", scopes: ["read"], status: "active" });
  });

  it("deletes, and hides keys of other workspaces", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const created = await api("POST", "api-keys", { bearer: a.session, json: { name: "del" } });
    expect((await api("GET", `api-keys/${created.body.key_id}`, { bearer: b.session })).status).toBe(404);
    expect((await api("DELETE", `api-keys/${created.body.key_id}`, { bearer: b.session })).status).toBe(404);
    const del = await api("DELETE", `api-keys/${created.body.key_id}`, { bearer: a.session });
    expect(del.status).toBe(200);
    expect(del.body.message).toContain(created.body.key_id);
    expect((await api("GET", `api-keys/${created.body.key_id}`, { bearer: a.session })).status).toBe(404);
  });
});
