import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Client, Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { db, disconnectDb } from "../../lib/db";
import {
  defineJob,
  deleteQueue,
  enqueue,
  enqueueMany,
  getBoss,
  JOBS_SCHEMA,
  MAX_JOB_PAYLOAD_BYTES,
  runTimeSlice,
  startWorker,
  stopBoss,
  type JobDefinition,
} from "../../lib/jobs";
import { defineTestJobs, testTablesSql, type TestJobs } from "../fixtures/jobs-fixtures";
import { defineMaintenance, runMaintenance } from "../../lib/jobs/registry";

// The job queue against a real database: whatever DATABASE_URL names (PostgreSQL, or the embedded
// PGlite behind pglite-server). Worker child processes run the real scripts/worker.ts entry point.
// Queue names carry a per-run prefix and effects go to a per-run schema, so parallel runs against one
// database do not collide.

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) throw new Error("jobs.test.ts needs DATABASE_URL (set by the test global setup)");

const ROOT = path.resolve(__dirname, "../..");
const WORKER_ENTRY = path.join(ROOT, "tests/fixtures/jobs-worker.ts");
const runId = randomBytes(4).toString("hex");
const prefix = `t${runId}`;
const schema = `jobs_test_${runId}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let pool: Pool;
let jobs: TestJobs;
const children = new Set<ChildProcess>();

class Rollback extends Error {}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const r = await pool.query(sql, params);
  return r.rows[0] as T;
}

async function jobCount(queue: string, states?: string[]): Promise<number> {
  const r = await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 ${states ? "AND state::text = ANY($2)" : ""}`,
    states ? [queue, states] : [queue],
  );
  return r.n;
}

interface SpawnedWorker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts tests/fixtures/jobs-worker.ts and resolves once it logged its start line. */
async function spawnWorker(id: string, queues: string[], env: Record<string, string> = {}): Promise<SpawnedWorker> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER_ENTRY], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL,
      JOBS_TEST_PREFIX: prefix,
      JOBS_TEST_SCHEMA: schema,
      JOBS_TEST_WORKER: id,
      GANTRY_WORKER_QUEUES: queues.join(","),
      GANTRY_WORKER_POLL_SECONDS: "0.2",
      GANTRY_JOBS_POOL_SIZE: "3",
      GANTRY_LOG_LEVEL: "info",
      ...env,
    },
  });
  children.add(child);
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  onTestFailed(() => console.error(`--- output of worker ${id} ---\n${out}`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  await Promise.race([
    waitFor(`worker ${id} to start`, async () => out.includes("worker started"), 30_000),
    exited.then(({ code }) => {
      throw new Error(`worker ${id} exited early (code ${code}):\n${out}`);
    }),
  ]);
  return { child, output: () => out, exited };
}

beforeAll(async () => {
  pool = new Pool({ connectionString: DATABASE_URL, max: 3 });
  await pool.query(testTablesSql(schema));
  jobs = defineTestJobs({ prefix, schema, worker: "test", databaseUrl: DATABASE_URL });
  await getBoss(); // installs the pgboss schema and creates the queues defined so far
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await jobs?.close();
  await disconnectDb();
  if (pool) {
    // Drop this run's queues (their partitions) and effects; jobs first, the queue row is referenced.
    const { rows } = await pool.query<{ name: string }>(`SELECT name FROM ${JOBS_SCHEMA}.queue WHERE name LIKE $1`, [
      `${prefix}.%`,
    ]);
    for (const { name } of rows) {
      // Dropping a partition can still deadlock with another run's statements (PostgreSQL aborts one
      // of the two): retry.
      for (let attempt = 1; ; attempt++) {
        try {
          await deleteQueue(name);
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== "40P01" || attempt >= 10) throw err;
          await sleep(100 * attempt);
        }
      }
    }
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
  await stopBoss();
}, 60_000);

describe("enqueue inside the caller's transaction", () => {
  it("a rolled-back transaction leaves no job; a committed one is processed", async () => {
    const lost = `order-lost-${runId}`;
    await expect(
      db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO ${schema}.orders (id) VALUES ($1)`, lost);
        const id = await enqueue(jobs.tx, { orderId: lost }, { db: tx });
        expect(id).toMatch(UUID); // visible inside the transaction…
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await jobCount(jobs.names.tx)).toBe(0); // …and gone with it
    expect(await one(`SELECT count(*)::int AS n FROM ${schema}.orders`)).toEqual({ n: 0 });

    const kept = `order-kept-${runId}`;
    const id = await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO ${schema}.orders (id) VALUES ($1)`, kept);
      return enqueue(jobs.tx, { orderId: kept }, { db: tx });
    });
    expect(id).toMatch(UUID);
    expect(await one(`SELECT state::text, retry_limit, data FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [id])).toEqual({
      state: "created",
      retry_limit: 1, // the definition's settings travel with the job
      data: { orderId: kept },
    });

    const slice = await runTimeSlice({ budgetMs: 10_000, queues: [jobs.names.tx] });
    expect(slice).toEqual({ processed: 1, failed: 0, remainingEstimate: 0 });
    expect((await pool.query(`SELECT job_id, note, runs FROM ${schema}.job_effects WHERE queue = $1`, [jobs.names.tx])).rows).toEqual([
      { job_id: id, note: kept, runs: 1 },
    ]);
    expect(await jobCount(jobs.names.tx, ["completed"])).toBe(1);
  }, 30_000);

  it("creates an unknown queue inside the transaction, and forgets it when that rolls back", async () => {
    const adhoc = `${prefix}.adhoc`;
    const queueRows = async () => (await pool.query(`SELECT policy FROM ${JOBS_SCHEMA}.queue WHERE name = $1`, [adhoc])).rows;
    await expect(
      db.$transaction(async (tx) => {
        expect(await enqueue(adhoc, { a: 1 }, { db: tx })).toMatch(UUID);
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await queueRows()).toEqual([]);

    const id = await db.$transaction((tx) => enqueue(adhoc, { a: 2 }, { db: tx }));
    expect(id).toMatch(UUID);
    expect(await queueRows()).toEqual([{ policy: "standard" }]);
    expect(await jobCount(adhoc)).toBe(1);
  }, 30_000);

  it("also runs on a node-postgres client inside BEGIN … ROLLBACK / COMMIT, batches included", async () => {
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query("BEGIN");
      await enqueue(jobs.tx, { orderId: "pg-rolled-back" }, { db: client });
      await enqueueMany(jobs.tx, [{ orderId: "pg-many-1" }, { orderId: "pg-many-2" }], { db: client });
      await client.query("ROLLBACK");
      const before = await jobCount(jobs.names.tx);

      await client.query("BEGIN");
      await enqueueMany(
        jobs.tx,
        Array.from({ length: 300 }, (_, i) => ({ orderId: `pg-many-${i}-${"x".repeat(100)}` })), // > 32 KiB: several statements
        { db: client },
      );
      await client.query("COMMIT");
      expect(await jobCount(jobs.names.tx)).toBe(before + 300);
      expect(before).toBe(1); // only the job from the committed Prisma transaction above
    } finally {
      await client.end();
    }
    const slice = await runTimeSlice({ budgetMs: 20_000, queues: [jobs.names.tx], concurrency: 10 });
    expect(slice).toEqual({ processed: 300, failed: 0, remainingEstimate: 0 });
  }, 60_000);

  it("business transactions enqueue correctly while workers poll and other requests read", async () => {
    // The single-machine shape: web requests run short interactive transactions that enqueue, other
    // requests read, and the worker's connections fetch and complete, all at once. On the embedded
    // server every connection shares one session, so this is where cross-connection interference
    // shows: stock pglite-socket 0.2.17 interleaves one connection's Parse/Bind/Execute/Sync with
    // another's once a transaction has held the queue (electric-sql/pglite#1046), and this test fails
    // with "unnamed prepared statement does not exist" or rows meant for another connection. The
    // embedded server must keep each extended-protocol sequence together (see the jobs report).
    const worker = await startWorker({ queues: [jobs.names.tx], concurrency: 4, pollingIntervalSeconds: 0.1 });
    const orders = Array.from({ length: 40 }, (_, i) => `busy-${runId}-${i}`);
    const ids: (string | null)[] = [];
    const problems: string[] = [];
    let reading = true;
    const readers = Array.from({ length: 4 }, async (_, r) => {
      for (let i = 0; reading; i++) {
        const tag = `reader-${r}-${i}`;
        try {
          const rows = await db.$queryRawUnsafe<{ tag: string; n: number }[]>("SELECT $1::text AS tag, $2::int AS n", tag, i);
          if (rows[0]?.tag !== tag || rows[0]?.n !== i) problems.push(`${tag} got ${JSON.stringify(rows)}`);
        } catch (err) {
          problems.push(`${tag}: ${(err as Error).message.trim().split("\n").pop()}`);
        }
      }
    });
    try {
      for (const batch of [orders.slice(0, 20), orders.slice(20)]) {
        const results = await Promise.allSettled(
          batch.map((orderId) =>
            db.$transaction(async (tx) => {
              await tx.$executeRawUnsafe(`INSERT INTO ${schema}.orders (id) VALUES ($1)`, orderId);
              await sleep(5); // application work inside the transaction
              return enqueue(jobs.tx, { orderId }, { db: tx });
            }),
          ),
        );
        for (const r of results) {
          if (r.status === "fulfilled") ids.push(r.value);
          else problems.push(`transaction: ${(r.reason as Error).message.trim().split("\n").pop()}`);
        }
      }
    } finally {
      reading = false;
      await Promise.all(readers);
    }
    try {
      expect(problems.slice(0, 5), "interference between connections").toEqual([]);
      expect(ids.every((id) => typeof id === "string" && UUID.test(id))).toBe(true);
      await waitFor(
        "every order's job to complete",
        async () =>
          (await one<{ n: number }>(`SELECT count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE id = ANY($1::uuid[]) AND state = 'completed'`, [ids])).n ===
          orders.length,
        30_000,
      );
    } finally {
      await worker.stop();
    }
    const effects = (
      await pool.query<{ job_id: string; note: string; runs: number }>(
        `SELECT job_id, note, runs FROM ${schema}.job_effects WHERE job_id = ANY($1) ORDER BY note`,
        [ids],
      )
    ).rows;
    expect(effects).toHaveLength(orders.length);
    expect(new Set(effects.map((e) => e.note))).toEqual(new Set(orders));
    expect(effects.every((e) => e.runs === 1)).toBe(true);
    expect(await one(`SELECT count(*)::int AS n FROM ${schema}.orders WHERE id = ANY($1)`, [orders])).toEqual({ n: orders.length });
  }, 60_000);

  it("refuses job data over the payload limit (the embedded server mangles large messages)", async () => {
    await expect(enqueue(jobs.tx, { orderId: "x".repeat(MAX_JOB_PAYLOAD_BYTES) })).rejects.toThrow(/over the 32768-byte limit/);
    await expect(enqueue("not a valid name!", {})).rejects.toThrow(/invalid job name/);
  });
});

describe("retries", () => {
  it("a handler failing twice then succeeding runs exactly 3 times, with growing backoff", async () => {
    const worker = await startWorker({ queues: [jobs.names.flaky], pollingIntervalSeconds: 0.1 });
    try {
      const id = await enqueue(jobs.flaky, { failTimes: 2 });
      await waitFor(
        "the flaky job to succeed",
        async () => (await pool.query(`SELECT 1 FROM ${JOBS_SCHEMA}.job WHERE id = $1 AND state = 'completed'`, [id])).rowCount === 1,
        30_000,
      );
      await sleep(500); // a duplicate run would show up here
      const runs = (
        await pool.query<{ attempt: number; t: number }>(
          `SELECT attempt, extract(epoch FROM at)::float8 AS t FROM ${schema}.job_runs WHERE job_id = $1 ORDER BY id`,
          [id],
        )
      ).rows;
      expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
      // retryDelay 1 s with backoff: retry n waits [1·2^n, 2·2^n) s (pg-boss's jittered backoff), plus polling.
      const gap1 = runs[1].t - runs[0].t;
      const gap2 = runs[2].t - runs[1].t;
      expect(gap1).toBeGreaterThanOrEqual(0.95);
      expect(gap1).toBeLessThan(2 + 1);
      expect(gap2).toBeGreaterThanOrEqual(1.95);
      expect(gap2).toBeLessThan(4 + 1);
      expect(await one(`SELECT state::text, retry_count FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [id])).toEqual({
        state: "completed",
        retry_count: 2,
      });
    } finally {
      await worker.stop();
    }
  }, 40_000);

  it("jobs enqueued together wake this process's idle workers at once, not at their next poll", async () => {
    const done: number[] = [];
    const def = defineJob<{ i: number }>(`${prefix}.wake-many`, async () => void done.push(Date.now()));
    const worker = await startWorker({ queues: [def.name], concurrency: 4, pollingIntervalSeconds: 30 });
    try {
      await new Promise((r) => setTimeout(r, 500)); // past the worker's first look at its queue: idle now
      const at = Date.now();
      await enqueueMany(def, [{ i: 1 }, { i: 2 }, { i: 3 }]);
      const deadline = Date.now() + 5_000;
      while (done.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(done).toHaveLength(3);
      expect(Math.max(...done) - at).toBeLessThan(3_000); // the next poll would have been 30 s away
    } finally {
      await worker.stop();
    }
  }, 20_000);

  it("idle workers ask once per poll which queues have due jobs, and fetch only from those", async () => {
    const done: number[] = [];
    const defs = ["a", "b", "c", "d"].map((q) => defineJob<{ q: string }>(`${prefix}.poll-${q}`, async () => void done.push(Date.now())));
    const boss = await getBoss();
    const fetched = new Map<string, number>();
    const realFetch = boss.fetch.bind(boss);
    boss.fetch = ((name: string, opts?: object) => {
      fetched.set(name, (fetched.get(name) ?? 0) + 1);
      return realFetch(name, opts as never);
    }) as typeof boss.fetch;
    const worker = await startWorker({ queues: defs.map((d) => d.name), pollingIntervalSeconds: 0.2 });
    const started = Date.now();
    try {
      // A runner's own fetch, after its first look, comes only as a backstop: 15 intervals (3 s ± 20 %) later.
      await sleep(500);
      // A job sent behind this process's back (another process's enqueue: no wake-up here) is found by the poll.
      const at = Date.now();
      await boss.send(defs[2].name, { q: "c" });
      while (done.length < 1 && Date.now() - at < 4_000) await sleep(20);
      expect(done).toHaveLength(1);
      expect(done[0] - at).toBeLessThan(1_000);
      // ten poll intervals and more without anything due: the other queues were fetched from once, at the start
      await sleep(Math.max(0, started + 2_200 - Date.now()));
      for (const d of [defs[0], defs[1], defs[3]]) expect(fetched.get(d.name) ?? 0, d.name).toBe(1);
    } finally {
      boss.fetch = realFetch as typeof boss.fetch;
      await worker.stop();
    }
  }, 20_000);

  it("retry delays are jittered and grow exponentially (pg-boss's own backoff)", async () => {
    const def = defineJob<{ i: number }>(`${prefix}.jitter`, async () => undefined, {
      retryLimit: 3,
      retryDelay: 100,
      retryBackoff: true,
    });
    await enqueueMany(def, Array.from({ length: 20 }, (_, i) => ({ i })));
    const boss = await getBoss();
    const delays = async () =>
      (
        await pool.query<{ d: number }>(
          `SELECT extract(epoch FROM start_after - now())::float8 AS d FROM ${JOBS_SCHEMA}.job WHERE name = $1`,
          [def.name],
        )
      ).rows.map((r) => r.d);

    // pg-boss 10's typings lack fail(name, ids[], data); fail one by one.
    const failAll = (ids: string[]) => Promise.all(ids.map((id) => boss.fail(def.name, id, { message: "planned" })));

    // First failure: [100, 200) s.
    let fetched = await boss.fetch(def.name, { batchSize: 20 });
    expect(fetched).toHaveLength(20);
    await failAll(fetched.map((j) => j.id));
    const first = await delays();
    expect(Math.min(...first)).toBeGreaterThanOrEqual(99);
    expect(Math.max(...first)).toBeLessThan(200);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(20); // 20 uniform draws over 100 s

    // Second failure: [200, 400) s.
    fetched = await boss.fetch(def.name, { batchSize: 20, ignoreStartAfter: true });
    expect(fetched).toHaveLength(20);
    await failAll(fetched.map((j) => j.id));
    const second = await delays();
    expect(Math.min(...second)).toBeGreaterThanOrEqual(199);
    expect(Math.max(...second)).toBeLessThan(400);
    expect(Math.max(...second) - Math.min(...second)).toBeGreaterThan(40);
    await boss.cancel(def.name, fetched.map((j) => j.id));
  }, 30_000);
});

describe("several worker processes", () => {
  it("two worker processes process every one of 500 jobs exactly once", async () => {
    const [a, b] = await Promise.all([
      spawnWorker("worker-a", [jobs.names.effect], { GANTRY_WORKER_CONCURRENCY: "8" }),
      spawnWorker("worker-b", [jobs.names.effect], { GANTRY_WORKER_CONCURRENCY: "8" }),
    ]);
    const total = 500;
    const started = Date.now();
    await enqueueMany(jobs.effect, Array.from({ length: total }, (_, n) => ({ n, sleepMs: 2 })));
    await waitFor(
      "all effects",
      async () => (await one<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.job_effects WHERE queue = $1`, [jobs.names.effect])).n === total,
      90_000,
      50,
    );
    const elapsedMs = Date.now() - started;
    await waitFor("no job left active", async () => (await jobCount(jobs.names.effect, ["created", "retry", "active"])) === 0, 10_000);
    await sleep(1000); // late duplicates would land here

    const summary = await one<{ rows: number; runs: number; distinct_n: number; max_runs: number }>(
      `SELECT count(*)::int AS rows, sum(runs)::int AS runs, count(DISTINCT n)::int AS distinct_n, max(runs)::int AS max_runs
         FROM ${schema}.job_effects WHERE queue = $1`,
      [jobs.names.effect],
    );
    expect(summary).toEqual({ rows: total, runs: total, distinct_n: total, max_runs: 1 });
    expect(await jobCount(jobs.names.effect, ["completed"])).toBe(total);
    const perWorker = Object.fromEntries(
      (
        await pool.query<{ worker: string; n: number }>(
          `SELECT worker, count(*)::int AS n FROM ${schema}.job_effects WHERE queue = $1 GROUP BY worker`,
          [jobs.names.effect],
        )
      ).rows.map((r) => [r.worker, r.n]),
    );
    expect(Object.keys(perWorker).sort()).toEqual(["worker-a", "worker-b"]);
    expect(perWorker["worker-a"] + perWorker["worker-b"]).toBe(total);
    console.log(
      `[jobs.test] ${total} jobs by 2 workers in ${elapsedMs} ms (${Math.round((total / elapsedMs) * 1000)} jobs/s), split ${JSON.stringify(perWorker)}`,
    );

    // SIGTERM: both stop gracefully through scripts/worker.ts.
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect(a.output()).toContain("worker stopped");
  }, 150_000);

  it("a job whose worker is SIGKILLed mid-run is run again by another worker once its lease expires", async () => {
    const a = await spawnWorker("crash-a", [jobs.names.slow]);
    const id = await enqueue(jobs.slow, { firstAttemptSleepMs: 60_000 }); // lease (expireInSeconds) 3 s
    await waitFor(
      "attempt 1 to start on crash-a",
      async () => (await pool.query(`SELECT 1 FROM ${schema}.job_runs WHERE job_id = $1 AND worker = 'crash-a'`, [id])).rowCount === 1,
      20_000,
      50,
    );
    const killedAt = Date.now();
    a.child.kill("SIGKILL");
    expect(await a.exited).toEqual({ code: null, signal: "SIGKILL" });

    const b = await spawnWorker("crash-b", [jobs.names.slow], { GANTRY_JOBS_MAINTENANCE_SECONDS: "1" });
    const bReadyAt = Date.now();
    await waitFor(
      "the job to complete on crash-b",
      async () => (await pool.query(`SELECT 1 FROM ${JOBS_SCHEMA}.job WHERE id = $1 AND state = 'completed'`, [id])).rowCount === 1,
      30_000,
      50,
    );
    const doneAt = Date.now();
    console.log(
      `[jobs.test] crash recovery: ${doneAt - killedAt} ms from SIGKILL to completion (${doneAt - bReadyAt} ms after the new worker started; lease 3 s, maintenance 1 s)`,
    );
    expect(
      (await pool.query(`SELECT worker, attempt, phase FROM ${schema}.job_runs WHERE job_id = $1 ORDER BY id`, [id])).rows,
    ).toEqual([
      { worker: "crash-a", attempt: 1, phase: "start" },
      { worker: "crash-b", attempt: 2, phase: "start" },
      { worker: "crash-b", attempt: 2, phase: "done" },
    ]);
    expect(await one(`SELECT worker, runs FROM ${schema}.job_effects WHERE job_id = $1`, [id])).toEqual({ worker: "crash-b", runs: 1 });
    expect(await one(`SELECT state::text, retry_count FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [id])).toEqual({
      state: "completed",
      retry_count: 1,
    });
    b.child.kill("SIGTERM");
    expect(await b.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});

describe("runTimeSlice (serverless)", () => {
  let fake = 0;
  let fakeClockJob: JobDefinition<{ i: number }>;
  let realClockJob: JobDefinition<{ i: number }>;
  let failingJob: JobDefinition<{ i: number }>;

  beforeAll(() => {
    fakeClockJob = defineJob<{ i: number }>(`${prefix}.slice-fake`, async () => {
      fake += 100; // each job "takes" 100 ms on the injected clock
    });
    realClockJob = defineJob<{ i: number }>(`${prefix}.slice-real`, async () => {
      await sleep(100);
    });
    failingJob = defineJob<{ i: number }>(
      `${prefix}.slice-fail`,
      async () => {
        throw new Error("always fails");
      },
      { retryLimit: 0 },
    );
  });

  it("stops claiming jobs once the budget is spent (injected clock)", async () => {
    await enqueueMany(fakeClockJob, Array.from({ length: 10 }, (_, i) => ({ i })));
    const result = await runTimeSlice({ budgetMs: 250, now: () => fake, queues: [fakeClockJob.name] });
    // claims at t=0, 100, 200; at t=300 the budget (250) is spent
    expect(result).toEqual({ processed: 3, failed: 0, remainingEstimate: 7 });
  }, 30_000);

  it("respects a wall-clock budget, and returns early when the queues are empty", async () => {
    await enqueueMany(realClockJob, Array.from({ length: 10 }, (_, i) => ({ i })));
    let t0 = Date.now();
    const first = await runTimeSlice({ budgetMs: 350, queues: [realClockJob.name] });
    const firstMs = Date.now() - t0;
    expect(first.processed).toBeGreaterThanOrEqual(2);
    expect(first.processed).toBeLessThanOrEqual(4);
    expect(first.failed).toBe(0);
    expect(first.remainingEstimate).toBe(10 - first.processed);
    expect(firstMs).toBeLessThan(350 + 100 + 1000); // budget + one job + database round trips

    t0 = Date.now();
    const rest = await runTimeSlice({ budgetMs: 60_000, queues: [realClockJob.name] });
    expect(rest).toEqual({ processed: 10 - first.processed, failed: 0, remainingEstimate: 0 });
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 30_000);

  it("counts failures, and a job out of retries ends failed with its error recorded", async () => {
    const id = await enqueue(failingJob, { i: 1 });
    expect(await runTimeSlice({ budgetMs: 5_000, queues: [failingJob.name] })).toEqual({
      processed: 0,
      failed: 1,
      remainingEstimate: 0,
    });
    const row = await one<{ state: string; message: string }>(
      `SELECT state::text, output->>'message' AS message FROM ${JOBS_SCHEMA}.job WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ state: "failed", message: "always fails" });
  }, 30_000);
});

describe("maintenance sweeps", () => {
  it("a cron time slice runs the sweeps of the queues it serves, and only those; a failing sweep does not stop the others", async () => {
    const served = defineJob<{ i: number }>(`${prefix}.maint-served`, async () => {});
    const calls: string[] = [];
    defineMaintenance(`${prefix}.sweep-a`, served.name, async () => {
      calls.push("a");
      throw new Error("sweep a broke");
    });
    defineMaintenance(`${prefix}.sweep-b`, served.name, async (now) => {
      calls.push(`b:${now instanceof Date}`);
    });
    defineMaintenance(`${prefix}.sweep-other`, `${prefix}.not-served`, async () => {
      calls.push("other");
    });
    await runTimeSlice({ budgetMs: 200, queues: [served.name] });
    expect(calls).toEqual(["a", "b:true"]);
    expect(await runMaintenance([served.name])).toEqual([`${prefix}.sweep-a`]);
  }, 30_000);
});

describe("graceful stop", () => {
  it("waits for running jobs, and past its timeout aborts and fails them for a retry", async () => {
    let finished = 0;
    let sawAbort = false;
    const def = defineJob<{ ms: number }>(
      `${prefix}.stop`,
      async ({ ms }, { signal }) => {
        try {
          await sleep(ms, undefined, { signal });
          finished++;
        } catch (err) {
          sawAbort = signal.aborted;
          throw err;
        }
      },
      { retryLimit: 1, retryDelay: 60 },
    );

    // Within the timeout: stop() returns after the job completed.
    let worker = await startWorker({ queues: [def.name], pollingIntervalSeconds: 0.1 });
    const quick = await enqueue(def, { ms: 700 });
    await waitFor("the quick job to start", async () => (await jobCount(def.name, ["active"])) === 1, 10_000, 20);
    await worker.stop({ timeoutMs: 10_000 });
    expect(finished).toBe(1);
    expect(await one(`SELECT state::text FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [quick])).toEqual({ state: "completed" });

    // Past the timeout: aborted through its signal and failed (state retry), stop() bounded.
    worker = await startWorker({ queues: [def.name], pollingIntervalSeconds: 0.1 });
    const stuck = await enqueue(def, { ms: 60_000 });
    await waitFor("the long job to start", async () => (await jobCount(def.name, ["active"])) === 1, 10_000, 20);
    const t0 = Date.now();
    await worker.stop({ timeoutMs: 500 });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(sawAbort).toBe(true);
    expect(await one(`SELECT state::text, output->>'message' AS message FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [stuck])).toEqual({
      state: "retry",
      message: "worker stopped before the job finished",
    });
  }, 30_000);
});
