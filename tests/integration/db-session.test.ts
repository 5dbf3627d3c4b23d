import { describe, expect, it } from "vitest";
import pg from "pg";
import { db, sessionConfig, sql } from "@/lib/db";

describe("database sessions", () => {
  it("run in UTC, so now() in a statement and Prisma's own dates agree", async () => {
    expect(await sql<{ TimeZone: string }>("SHOW TimeZone", [])).toEqual([{ TimeZone: "UTC" }]);
    const key = `tz-check-${Date.now()}`;
    await sql("INSERT INTO rate_limit_buckets (key, count, reset_at) VALUES ($1, 1, now())", [key]);
    const row = await db.rateLimitBucket.findUniqueOrThrow({ where: { key } });
    expect(Math.abs(row.resetAt.getTime() - Date.now())).toBeLessThan(60_000);
    await db.rateLimitBucket.delete({ where: { key } });
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
});
