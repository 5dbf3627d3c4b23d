import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { db } from "@/lib/db";

describe("error handling and parsing", () => {
  it("answers malformed JSON with 400 invalid_json", async () => {
    const w = await newWorkspace();
    const res = await api("POST", "indexes", { apiKey: w.apiKey, body: "{nope", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
  });

  it("rejects unknown fields with 422 and field-level details", async () => {
    const w = await newWorkspace();
    const res = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "ok", workspace_id: "ws_evil" } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_error");
    expect(res.body.error.details.fields).toEqual([{ field: "workspace_id", message: "unknown field" }]);
    expect(await db.index.count({ where: { workspaceId: w.workspaceId } })).toBe(0);
  });

  it("names the field at fault", async () => {
    const w = await newWorkspace();
    const res = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "" } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(["name"]);
  });

  it("refuses bodies over the limit with 413", async () => {
    const w = await newWorkspace();
    const res = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "x", description: "a".repeat(2_000_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("refuses non-JSON content types with 415", async () => {
    const w = await newWorkspace();
    const res = await api("POST", "indexes", { apiKey: w.apiKey, body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("hides other workspaces' resources behind the same 404", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const created = await api("POST", "indexes", { apiKey: a.apiKey, json: { name: "mine" } });
    const foreign = await api("GET", `indexes/${created.body.index_id}`, { apiKey: b.apiKey });
    const missing = await api("GET", `indexes/idx_00000000000000000000000000`, { apiKey: b.apiKey });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("index_not_found");
    expect(foreign.body.error.message.replace(created.body.index_id, "X")).toBe(missing.body.error.message.replace("idx_00000000000000000000000000", "X"));
    expect((await api("DELETE", `indexes/${created.body.index_id}`, { apiKey: b.apiKey })).status).toBe(404);
    expect(await db.index.count({ where: { id: created.body.index_id } })).toBe(1);
  });
});

describe("rate limit headers", () => {
  it("are on every response", async () => {
    const w = await newWorkspace();
    const res = await api("GET", "indexes", { apiKey: w.apiKey });
    expect(Number(res.headers.get("x-ratelimit-limit"))).toBeGreaterThan(0);
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeGreaterThanOrEqual(0);
    expect(Number(res.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1);
  });
});

describe("lists", () => {
  it("pages bare arrays newest first with X-Next-Cursor and Link", async () => {
    const w = await newWorkspace();
    for (let i = 0; i < 5; i++) await api("POST", "indexes", { apiKey: w.apiKey, json: { name: `i${i}` } });
    const p1 = await api("GET", "indexes?limit=2", { apiKey: w.apiKey });
    expect(p1.status).toBe(200);
    expect(p1.body.map((x: { name: string }) => x.name)).toEqual(["i4", "i3"]);
    const cursor = p1.headers.get("x-next-cursor")!;
    expect(cursor).toBeTruthy();
    expect(p1.headers.get("link")).toContain(`cursor=${encodeURIComponent(cursor)}`);
    const p2 = await api("GET", `indexes?limit=2&cursor=${cursor}`, { apiKey: w.apiKey });
    expect(p2.body.map((x: { name: string }) => x.name)).toEqual(["i2", "i1"]);
    const p3 = await api("GET", `indexes?limit=2&cursor=${p2.headers.get("x-next-cursor")}`, { apiKey: w.apiKey });
    expect(p3.body.map((x: { name: string }) => x.name)).toEqual(["i0"]);
    expect(p3.headers.get("x-next-cursor")).toBeNull();
  });

  it("answers a bad cursor with 400 invalid_cursor and a bad limit with 422", async () => {
    const w = await newWorkspace();
    expect((await api("GET", "indexes?cursor=zzz", { apiKey: w.apiKey })).body.error.code).toBe("invalid_cursor");
    expect((await api("GET", "indexes?limit=201", { apiKey: w.apiKey })).status).toBe(422);
  });
});

describe("audit log", () => {
  it("records every mutation with actor, target and request id", async () => {
    const w = await newWorkspace();
    const created = await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "audited" } });
    await api("PATCH", `indexes/${created.body.index_id}`, { apiKey: w.apiKey, json: { name: "renamed" } });
    await api("DELETE", `indexes/${created.body.index_id}`, { apiKey: w.apiKey });
    const rows = await db.auditLog.findMany({ where: { workspaceId: w.workspaceId, targetType: "index" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.action)).toEqual(["indexes.create", "indexes.update", "indexes.delete"]);
    for (const r of rows) {
      expect(r.actorType).toBe("api_key");
      expect(r.actorId).toBe(w.apiKeyId);
      expect(r.requestId).toMatch(/^req_/);
    }
    expect(rows[1].targetId).toBe(created.body.index_id);
  });
});
