import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";

// Many connections sending parameterised (extended-protocol) queries at once to one embedded server:
// each must get its own answer. With pglite-socket's stock queue, batches interleave and binds land on
// other connections' statements (the failure this guards against).
let database: EmbeddedDatabase;
beforeAll(async () => {
  database = await startEmbeddedDatabase({ memory: true, installSignalHandlers: false, maxConnections: 50 });
}, 120_000);
afterAll(async () => database?.stop());

describe("embedded server under concurrent extended-protocol traffic", () => {
  it("answers 600 interleaved parameterised queries from 20 connections correctly", async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: database.url, max: 5 }));
    const errors: string[] = [];
    let checked = 0;
    await Promise.all(
      Array.from({ length: 600 }, async (_, i) => {
        const pool = pools[i % pools.length];
        try {
          if (i % 10 === 0) {
            // a short transaction on a checked-out client, as Prisma's interactive transactions do
            const client = await pool.connect();
            try {
              await client.query("BEGIN");
              const r = await client.query("SELECT $1::int AS v", [i]);
              await client.query("COMMIT");
              expect(r.rows[0]).toEqual({ v: i });
            } finally {
              client.release();
            }
          } else if (i % 3 === 0) {
            const r = await pool.query("SELECT $1::int + $2::int AS s, $3::text AS t", [i, 1, `q${i}`]);
            expect(r.rows[0]).toEqual({ s: i + 1, t: `q${i}` });
          } else if (i % 3 === 1) {
            const r = await pool.query("SELECT $1::text AS t", [`one${i}`]);
            expect(r.rows[0]).toEqual({ t: `one${i}` });
          } else {
            const r = await pool.query("SELECT $1::int * 2 AS d, $2::text AS a, $3::text AS b, $4::int AS c, $5::text AS e", [i, "a", "b", 4, "e"]);
            expect(r.rows[0]).toEqual({ d: i * 2, a: "a", b: "b", c: 4, e: "e" });
          }
          checked++;
        } catch (err) {
          errors.push((err as Error).message);
        }
      }),
    );
    await Promise.all(pools.map((p) => p.end()));
    expect(errors).toEqual([]);
    expect(checked).toBe(600);
  });

  it("keeps 1 MB parameter messages with their own statements while small queries interleave", async () => {
    // pglite#1046: with the stock queue, large messages (arriving in many socket reads) were bound to
    // another connection's statement. The batch-aware queue holds a connection's batch together however
    // many reads its Bind takes; lib/db/batches.ts sizes the embedded mode's bulk statements on this.
    const pool = new pg.Pool({ connectionString: database.url, max: 12 });
    await pool.query("CREATE TABLE big_params (id int PRIMARY KEY, n int NOT NULL, total bigint NOT NULL)");
    const errors: string[] = [];
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        try {
          if (i % 2 === 0) {
            // about 1 MB of parameters: 20,000 numbers and 20,000 40-character strings
            const nums = Array.from({ length: 20_000 }, (_, k) => k + i);
            const strs = Array.from({ length: 20_000 }, (_, k) => `${i}-${k}`.padEnd(40, "x"));
            const r = await pool.query(
              "INSERT INTO big_params (id, n, total) SELECT $1, count(*), sum(x) FROM unnest($2::int[], $3::text[]) AS t(x, s) WHERE length(s) = 40 RETURNING n, total",
              [i, nums, strs],
            );
            expect(r.rows[0]).toEqual({ n: 20_000, total: String(20_000 * i + (20_000 * 19_999) / 2) });
          } else {
            const r = await pool.query("SELECT $1::int AS v, $2::text AS t", [i, `small-${i}`]);
            expect(r.rows[0]).toEqual({ v: i, t: `small-${i}` });
          }
        } catch (err) {
          errors.push(`${i}: ${(err as Error).message}`);
        }
      }),
    );
    const rows = await pool.query("SELECT count(*)::int AS c FROM big_params");
    await pool.end();
    expect(errors).toEqual([]);
    expect(rows.rows[0].c).toBe(30);
  }, 120_000);

  it("lets other connections run while a freshly connected client sits idle", async () => {
    // A connection's StartupMessage is not an extended-protocol batch: an idle client that has only
    // connected must not hold the shared session (it did, and a bench's open pg client hung the server).
    const idle = new pg.Client({ connectionString: database.url });
    await idle.connect();
    const other = new pg.Client({ connectionString: database.url });
    try {
      const answered = (async () => {
        await other.connect();
        return (await other.query("SELECT $1::int AS v", [7])).rows[0];
      })();
      const timeout = new Promise((resolve) => setTimeout(() => resolve("blocked"), 5000));
      expect(await Promise.race([answered, timeout])).toEqual({ v: 7 });
    } finally {
      await idle.end();
      await other.end().catch(() => {});
    }
  });
});
