import { describe, expect, it, vi } from "vitest";
import pg from "pg";
import { db, sessionConfig, sql, sqlTransaction } from "@/lib/db";

describe("database sessions", () => {
  it("run in UTC, so now() in a statement and Prisma's own dates agree", async () => {
    expect(await sql<{ TimeZone: string }>("SHOW TimeZone", [])).toEqual([{ TimeZone: "UTC" }]);
    const key = `tz-check-${Date.now()}`;
    await sql("INSERT INTO rate_limit_buckets (key, count, reset_at) VALUES ($1, 1, now())", [key]);
    const row = await db.rateLimitBucket.findUniqueOrThrow({ where: { key } });
    expect(Math.abs(row.resetAt.getTime() - Date.now())).toBeLessThan(60_000);
    await db.rateLimitBucket.delete({ where: { key } });
  });

  it("take arrays of strings as written by lib/db.ts (text[] and jsonb[], nulls, quotes, backslashes) unchanged", async () => {
    const texts = ["", "a", 'say "hi"', "back\\slash", '\\"', "comma,brace{}", "NULL", null, "new\nline", "世界 🎬", "'q'"];
    const docs = [JSON.stringify({ k: 'v "quoted" \\ back', n: [1, null] }), JSON.stringify("s"), null];
    const text = "SELECT $1::text[] AS t, $2::jsonb[] AS j, cardinality($1::text[]) AS n";
    for (const prepare of [false, true]) {
      const [row] = await sql<{ t: (string | null)[]; j: unknown[]; n: number }>(text, [texts, docs], { prepare });
      expect(row.t).toEqual(texts);
      expect(row.j).toEqual(docs.map((d) => (d === null ? null : JSON.parse(d))));
      expect(row.n).toBe(texts.length);
    }
    const inTx = await sqlTransaction((q) => q<{ t: (string | null)[] }>("SELECT $1::text[] AS t", [texts]));
    expect(inTx[0].t).toEqual(texts);
  });

  it("stay in UTC when the URL asks the server for another zone", async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set("options", "-c TimeZone=America/New_York");
    const client = new pg.Client(sessionConfig(url.toString()));
    await client.connect();
    try {
      expect((await client.query("SHOW TimeZone")).rows).toEqual([{ TimeZone: "UTC" }]);
    } finally {
      await client.end();
    }
  });

  it("run prepared statements side by side on many connections (one namespace on the embedded database), survive a database error, and prepare once per connection", async () => {
    const key = `prep-${Date.now()}`;
    const text = "INSERT INTO rate_limit_buckets (key, count, reset_at) VALUES ($1, 1, now()) ON CONFLICT (key) DO UPDATE SET count = rate_limit_buckets.count + 1 RETURNING count";
    // 40 at once: the pool opens several connections, each preparing the statement under its own name
    const counts = await Promise.all(Array.from({ length: 40 }, () => sql<{ count: number }>(text, [key], { prepare: true })));
    expect(counts.map((r) => r[0].count).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // a unique violation is the statement's error, not the connection's: the same statement works after it
    const strict = "INSERT INTO rate_limit_buckets (key, count, reset_at) VALUES ($1, 1, now()) RETURNING count";
    await expect(sql(strict, [key], { prepare: true })).rejects.toMatchObject({ code: "23505" });
    expect(await sql(strict, [`${key}-b`], { prepare: true })).toEqual([{ count: 1 }]);
    // inside a transaction too, and parsed once per connection: the second Parse of the same text is skipped
    const spy = vi.spyOn(pg.Client.prototype, "query");
    try {
      const parsed = await sqlTransaction(async (q) => {
        await q("SELECT count FROM rate_limit_buckets WHERE key = $1", [key], { prepare: true });
        const [row] = await q<{ count: number }>("SELECT count FROM rate_limit_buckets WHERE key = $1", [key], { prepare: true });
        return row.count;
      });
      expect(parsed).toBe(40);
      const named = spy.mock.calls.map(([cfg]) => (cfg as { name?: string }).name).filter(Boolean);
      expect(named).toHaveLength(2);
      expect(new Set(named).size).toBe(1); // the same name both times: pg sends Parse only the first
    } finally {
      spy.mockRestore();
    }
    await db.rateLimitBucket.deleteMany({ where: { key: { startsWith: key } } });
  });
});
