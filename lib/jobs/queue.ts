import PgBoss from "pg-boss";
import { logger as appLogger } from "../logger";
import { chunkByBytes } from "../db/batches";
import {
  assertJobName,
  assertJobOptions,
  getJobDefinition,
  listJobDefinitions,
  type JobDefinition,
  type QueuePolicy,
} from "./registry";

// The job queue: one pg-boss instance per process over DATABASE_URL, which is PostgreSQL in production
// or the embedded PGlite behind pglite-server. pg-boss polls (no LISTEN/NOTIFY) and keeps no session
// state, which is why the same code runs on both; what the embedded server still demands (one shared
// session: short transactions, no second connection from inside a transaction) is honoured below and
// explained where it matters.

export const JOBS_SCHEMA = "pgboss";
/** Job data is ids and small options, never bytes (they belong in the database or the media store). */
export const MAX_JOB_PAYLOAD_BYTES = 32 * 1024;

// ---------------------------------------------------------------------------------------------------
// Logging seam

export interface JobsLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

const defaultLogger: JobsLogger = {
  info: (m, meta) => appLogger.info(`jobs: ${m}`, meta),
  warn: (m, meta) => appLogger.warn(`jobs: ${m}`, meta),
  error: (m, meta) => appLogger.error(`jobs: ${m}`, meta),
};

let logger: JobsLogger = defaultLogger;
export function setJobsLogger(next: JobsLogger): void {
  logger = next;
}
export function jobsLog(): JobsLogger {
  return logger;
}

// ---------------------------------------------------------------------------------------------------
// Configuration (parsed once, on first use; a bad value throws a message naming the variable)

interface JobsConfig {
  connectionString: string;
  poolSize: number;
  maintenanceIntervalSeconds: number;
}

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function readConfig(): JobsConfig {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error("DATABASE_URL is not set: the job queue needs the PostgreSQL (or pglite-server) URL");
  }
  return {
    connectionString,
    // pg-boss's own pool (fetch / complete / fail / send). Handlers use the Prisma client's pool.
    // pglite-server's --max-connections must exceed the sum of every process's pools.
    poolSize: intFromEnv("GANTRY_JOBS_POOL_SIZE", 5, 1, 50),
    // How often (at most, across all processes) expired leases are failed-and-retried and finished jobs
    // archived. This bounds crash-recovery latency: a dead worker's job runs again at most
    // expireInSeconds + this interval (+ its retry delay) later.
    maintenanceIntervalSeconds: intFromEnv("GANTRY_JOBS_MAINTENANCE_SECONDS", 30, 1, 3600),
  };
}

function createBoss(config: JobsConfig): PgBoss {
  const boss = new PgBoss({
    connectionString: config.connectionString,
    schema: JOBS_SCHEMA,
    application_name: "gantry-jobs",
    max: config.poolSize,
    migrate: true, // installs / upgrades the pgboss schema under pg-boss's advisory lock
    supervise: true, // maintenance: expire leases, archive, purge
    maintenanceIntervalSeconds: config.maintenanceIntervalSeconds,
    schedule: false, // no pg-boss cron: schedules are croner-driven domain code
    // Completed jobs leave the hot table after an hour; failed ones stay a week for inspection; the
    // archive keeps both another week. Jobs never started are dropped after 14 days.
    archiveCompletedAfterSeconds: 60 * 60,
    archiveFailedAfterSeconds: 7 * 24 * 60 * 60,
    deleteAfterDays: 7,
    retentionDays: 14,
  });
  // An EventEmitter "error" without a listener would crash the process.
  boss.on("error", (err: Error) => logger.error("pg-boss error", { error: err.message }));
  return boss;
}

// ---------------------------------------------------------------------------------------------------
// The per-process instance (on globalThis so Next.js dev reloads reuse it)

interface JobsState {
  boss?: PgBoss;
  starting?: Promise<PgBoss>;
  /** Queues known to exist (seen, or created outside any caller transaction). */
  readyQueues: Set<string>;
  ensuring: Map<string, Promise<void>>;
}

const g = globalThis as unknown as { __gantryJobs?: JobsState };
function state(): JobsState {
  return (g.__gantryJobs ??= { readyQueues: new Set(), ensuring: new Map() });
}

/** The process's pg-boss object, constructed but not necessarily started (no I/O). */
function bossInstance(): PgBoss {
  const s = state();
  return (s.boss ??= createBoss(readConfig()));
}

/**
 * The started pg-boss instance: opens its pool, installs the schema on first use, starts maintenance
 * and creates every queue defined so far. Call it once at process start-up (the worker does): enqueueing
 * inside a transaction needs the schema to exist already (see enqueue).
 */
export function getBoss(): Promise<PgBoss> {
  const s = state();
  if (!s.starting) {
    const boss = bossInstance();
    s.starting = (async () => {
      await boss.start();
      for (const def of listJobDefinitions()) await ensureQueueOnPool(boss, def.name, def);
      return boss;
    })();
    s.starting.catch(() => {
      // Let the next call retry (database not up yet, …) with a fresh instance: pg-boss 10 stays
      // "starting" forever after a failed start(), and may have opened its pool already.
      const now = state();
      if (now.boss === boss) {
        now.boss = undefined;
        now.starting = undefined;
      }
      const db = boss.getDb() as PgBoss.Db & { close?: () => Promise<void> };
      boss
        .stop({ graceful: false, close: true }) // if start() got as far as maintenance timers
        .catch(() => undefined)
        .then(() => db.close?.())
        .catch(() => undefined);
    });
  }
  return s.starting;
}

/** Stops maintenance and closes pg-boss's pool. Stop workers first (RunningWorker.stop()). */
export async function stopBoss(options: { timeoutMs?: number } = {}): Promise<void> {
  const s = state();
  const boss = s.boss;
  const starting = s.starting;
  s.boss = undefined;
  s.starting = undefined;
  s.readyQueues.clear();
  s.ensuring.clear();
  if (!boss || !starting) return;
  try {
    await starting;
  } catch {
    return; // never started: nothing to close
  }
  await boss.stop({ graceful: true, close: true, wait: true, timeout: options.timeoutMs ?? 5000 });
}

// ---------------------------------------------------------------------------------------------------
// Running pg-boss statements on a caller's connection or transaction

/** What pg-boss's `db` option expects. */
export type JobDb = PgBoss.Db;
/** A Prisma client or interactive-transaction client (`tx` inside `db.$transaction(async (tx) => …)`). */
export interface PrismaRawExecutor {
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
}
/** A node-postgres Client, PoolClient (inside BEGIN … COMMIT) or Pool. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}
export type JobDbExecutor = JobDb | PrismaRawExecutor | PgQueryable;

/**
 * Adapts a caller's connection so pg-boss statements run on it (and so commit or roll back with the
 * caller's transaction). Prisma: `tx.$queryRawUnsafe(text, ...values)` returns the rows; pg-boss passes
 * `undefined` for absent options, which Prisma rejects, so those become NULL (what node-postgres sends).
 */
export function toJobDb(executor: JobDbExecutor): JobDb {
  if ("executeSql" in executor && typeof executor.executeSql === "function") return executor;
  if ("$queryRawUnsafe" in executor && typeof executor.$queryRawUnsafe === "function") {
    const prisma = executor;
    return {
      async executeSql(text: string, values: unknown[] = []) {
        const params = values.map((v) => (v === undefined ? null : v));
        const rows = await prisma.$queryRawUnsafe(text, ...params);
        return { rows: Array.isArray(rows) ? rows : [] };
      },
    };
  }
  if ("query" in executor && typeof executor.query === "function") {
    const pg = executor;
    return { executeSql: async (text: string, values: unknown[] = []) => pg.query(text, values) };
  }
  throw new Error("toJobDb: expected a Prisma (transaction) client, a pg Client/Pool or { executeSql }");
}

// ---------------------------------------------------------------------------------------------------
// Queues (pg-boss 10 needs one before the first send; each gets its own partition table)

type QueueSettings = {
  policy: QueuePolicy;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
};

function queueSettings(def: JobDefinition<object> | undefined): QueueSettings {
  if (!def) return { policy: "standard" };
  const o = def.options;
  return {
    policy: o.policy,
    retryLimit: o.retryLimit,
    retryDelay: o.retryDelay,
    retryBackoff: o.retryBackoff,
    expireInSeconds: o.expireInSeconds,
  };
}

function differs(existing: PgBoss.QueueResult, want: QueueSettings): boolean {
  return (
    existing.policy !== want.policy ||
    (want.retryLimit !== undefined && existing.retryLimit !== want.retryLimit) ||
    (want.retryDelay !== undefined && existing.retryDelay !== want.retryDelay) ||
    (want.retryBackoff !== undefined && existing.retryBackoff !== want.retryBackoff) ||
    (want.expireInSeconds !== undefined && existing.expireInSeconds !== want.expireInSeconds)
  );
}

// pg-boss 10's createQueue() deadlocks on PostgreSQL when it runs next to another queue creation or
// deletion (each takes a row lock on pgboss.queue, then the partition DDL needs table locks the other
// holds: "deadlock detected", seen with two processes starting together). So queue creation and
// deletion here take pg-boss's own transaction-scoped advisory lock first, the one its migrations and
// maintenance run under, which serialises them against each other and against maintenance. Creation
// is one statement (the MATERIALIZED CTE is evaluated before create_queue() runs) so that it also
// works inside a caller's transaction. Harmless on the embedded server, which is serialised anyway.
const PGBOSS_LOCK = `pg_advisory_xact_lock(
  ('x' || encode(sha224((current_database() || '.pgboss.${JOBS_SCHEMA}')::bytea), 'hex'))::bit(64)::bigint)`;
const CREATE_QUEUE_SQL = `
  WITH serialised AS MATERIALIZED (SELECT ${PGBOSS_LOCK})
  SELECT ${JOBS_SCHEMA}.create_queue($1, $2::json)::text AS created FROM serialised`;

/**
 * Makes sure the queue exists, with the definition's policy and defaults. Outside a transaction this
 * uses pg-boss's own pool and remembers the queue. With `via` (a caller's transaction) it must not
 * touch the pool: on pglite-server a second connection waits for the open transaction, which waits for
 * us, i.e. a deadlock until Prisma's transaction timeout. So it checks and, if needed, creates the
 * queue through the transaction itself (pg-boss's own create_queue function), and does not remember
 * a queue it created there, since the caller may still roll back.
 */
export async function ensureQueue(job: JobDefinition<object> | string, via?: JobDb): Promise<void> {
  const name = typeof job === "string" ? job : job.name;
  const def = typeof job === "string" ? getJobDefinition(name) : job;
  assertJobName(name);
  const s = state();
  if (s.readyQueues.has(name)) return;
  const want = queueSettings(def);

  if (via) {
    const installed = await via.executeSql(`SELECT to_regclass('${JOBS_SCHEMA}.queue')::text AS t`, []);
    if (!(installed.rows[0] as { t: string | null } | undefined)?.t) {
      throw new Error(
        "the job queue schema is not installed yet: call getBoss() once at start-up before enqueueing inside a transaction",
      );
    }
    const found = await via.executeSql(`SELECT 1 AS one FROM ${JOBS_SCHEMA}.queue WHERE name = $1`, [name]);
    if (found.rows.length > 0) {
      s.readyQueues.add(name);
      return;
    }
    await via.executeSql(CREATE_QUEUE_SQL, [name, JSON.stringify(want)]);
    return;
  }

  await ensureQueueOnPool(await getBoss(), name, def);
}

function ensureQueueOnPool(boss: PgBoss, name: string, def: JobDefinition<object> | undefined): Promise<void> {
  const s = state();
  if (s.readyQueues.has(name)) return Promise.resolve();
  let pending = s.ensuring.get(name);
  if (!pending) {
    const want = queueSettings(def);
    pending = (async () => {
      const existing = await boss.getQueue(name);
      if (!existing) await boss.getDb().executeSql(CREATE_QUEUE_SQL, [name, JSON.stringify(want)]);
      else if (def && differs(existing, want)) await boss.updateQueue(name, { name, ...want });
      s.readyQueues.add(name);
    })().finally(() => s.ensuring.delete(name));
    s.ensuring.set(name, pending);
  }
  return pending;
}

// ---------------------------------------------------------------------------------------------------
// Enqueueing

export interface EnqueueOptions {
  /** Deduplication key; what it deduplicates depends on the queue's policy (see JobOptions.policy). */
  singletonKey?: string;
  /** Not before this time: a Date, an ISO string, or a delay in seconds. */
  startAfter?: Date | string | number;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Higher runs first within a queue. */
  priority?: number;
  /**
   * Enqueue inside the caller's transaction: a Prisma interactive-transaction client (`tx`), a pg
   * client inside BEGIN, or a pg-boss Db. The job becomes visible when that transaction commits and
   * vanishes if it rolls back. Keep the transaction short (the embedded server serialises everything
   * behind it). The queue schema must already be installed (getBoss() at start-up).
   */
  db?: JobDbExecutor;
}

function assertPayload(name: string, data: unknown): void {
  if (typeof data !== "object" || data === null) {
    throw new Error(`enqueue(${name}): job data must be a JSON object`);
  }
  const json = JSON.stringify(data);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > MAX_JOB_PAYLOAD_BYTES) {
    throw new Error(
      `enqueue(${name}): job data is ${bytes} bytes, over the ${MAX_JOB_PAYLOAD_BYTES}-byte limit: pass ids, not contents`,
    );
  }
}

function sendOptions(name: string, def: JobDefinition<object> | undefined, opts: EnqueueOptions): PgBoss.SendOptions {
  assertJobOptions(`enqueue(${name})`, opts);
  if (opts.priority !== undefined && !Number.isInteger(opts.priority)) {
    throw new Error(`enqueue(${name}): priority must be an integer`);
  }
  // pg-boss rejects keys that are present but undefined, so only defined ones are copied. The
  // definition's settings are sent with every job (and not only stored on the queue row) so that the
  // code that enqueues is the source of truth, also across deploys.
  const out: PgBoss.SendOptions = {};
  const retryLimit = opts.retryLimit ?? def?.options.retryLimit;
  const retryDelay = opts.retryDelay ?? def?.options.retryDelay;
  const retryBackoff = opts.retryBackoff ?? def?.options.retryBackoff;
  const expireInSeconds = opts.expireInSeconds ?? def?.options.expireInSeconds;
  if (retryLimit !== undefined) out.retryLimit = retryLimit;
  if (retryDelay !== undefined) out.retryDelay = retryDelay;
  if (retryBackoff !== undefined) out.retryBackoff = retryBackoff;
  if (expireInSeconds !== undefined) out.expireInSeconds = expireInSeconds;
  if (opts.singletonKey !== undefined) out.singletonKey = opts.singletonKey;
  if (opts.startAfter !== undefined) out.startAfter = opts.startAfter;
  if (opts.priority !== undefined) out.priority = opts.priority;
  return out;
}

async function queueExists(exec: JobDb, name: string): Promise<boolean> {
  const r = await exec.executeSql(`SELECT 1 AS one FROM ${JOBS_SCHEMA}.queue WHERE name = $1`, [name]);
  return r.rows.length > 0;
}

// ---------------------------------------------------------------------------------------------------
// Same-process wake-up: a worker loop in this process that sleeps between polls is woken when a job is
// enqueued here, so a job created by an API request (inline worker) starts at once instead of after
// the next poll. Other processes still find it by polling. Purely an optimisation: a lost wake-up only
// costs one polling interval.

type Waker = (queue: string) => void;
// On globalThis: Next.js bundles the route handlers that enqueue and instrumentation.ts (which runs the
// inline worker) separately, each with its own copy of this module.
const gw = globalThis as unknown as { __gantryJobWakers?: Map<Waker, ReadonlySet<string>> };
const wakers = (gw.__gantryJobWakers ??= new Map<Waker, ReadonlySet<string>>());

/** Registers a wake-up callback for jobs of `queues` enqueued in this process; returns the unregister function. */
export function onEnqueued(fn: Waker, queues: readonly string[]): () => void {
  wakers.set(fn, new Set(queues));
  return () => wakers.delete(fn);
}

/** True while a worker in this process takes `job`'s queue (work prepared here for it is used here). */
export function workedHere(job: { name: string } | string): boolean {
  const name = typeof job === "string" ? job : job.name;
  for (const queues of wakers.values()) if (queues.has(name)) return true;
  return false;
}

/**
 * Wakes this process's workers for `job` now: for a caller that enqueued inside a transaction and has
 * just committed it (enqueue's own wake-ups for that case come 25 ms and 255 ms later, when the commit
 * is likely done).
 */
export function wakeWorkers(job: { name: string } | string): void {
  const name = typeof job === "string" ? job : job.name;
  for (const fn of wakers.keys()) fn(name);
}

function notifyEnqueued(name: string, opts: EnqueueOptions): void {
  if (wakers.size === 0) return;
  const wake = () => wakeWorkers(name);
  const at = opts.startAfter;
  const delayMs =
    typeof at === "number" ? at * 1000 : at instanceof Date ? at.getTime() - Date.now() : typeof at === "string" ? Date.parse(at) - Date.now() : 0;
  // Enqueued inside a transaction, the job is visible only after the caller commits: wake again shortly.
  const delays = opts.db ? [Math.max(0, delayMs) + 20, Math.max(0, delayMs) + 250] : [Math.max(0, delayMs)];
  for (const d of delays) {
    if (d <= 0) queueMicrotask(wake);
    else setTimeout(wake, d + 5).unref();
  }
}

/**
 * Enqueues one job; returns its id, or null when the queue's policy suppressed it as a duplicate
 * (singletonKey). Prefer passing the definition (typed data) over a bare name. A name with no
 * definition in this process gets a "standard" queue and pg-boss defaults.
 */
export async function enqueue<T extends object>(
  job: JobDefinition<T>,
  data: T,
  opts?: EnqueueOptions,
): Promise<string | null>;
export async function enqueue(name: string, data: object, opts?: EnqueueOptions): Promise<string | null>;
export async function enqueue(
  job: JobDefinition<object> | string,
  data: object,
  opts: EnqueueOptions = {},
): Promise<string | null> {
  const name = typeof job === "string" ? job : job.name;
  assertJobName(name);
  const def = typeof job === "string" ? getJobDefinition(name) : job;
  assertPayload(name, data);
  const options = sendOptions(name, def, opts);

  const via = opts.db ? toJobDb(opts.db) : undefined;
  // Inside a transaction: the unstarted instance is enough (send opens nothing when given a db), and
  // starting it here would open pool connections from inside the caller's transaction (see ensureQueue).
  const boss = via ? bossInstance() : await getBoss();
  const exec = via ?? boss.getDb();
  const send = () => boss.send(name, data, via ? { ...options, db: via } : options);

  await ensureQueue(def ?? name, via);
  const id = await send();
  if (id !== null) {
    notifyEnqueued(name, opts);
    return id;
  }
  // pg-boss's insert joins the queue row: a queue deleted behind our cache drops the job silently.
  if (await queueExists(exec, name)) return null; // suppressed by the queue's policy
  state().readyQueues.delete(name);
  await ensureQueue(def ?? name, via);
  const retried = await send();
  if (retried !== null) notifyEnqueued(name, opts);
  return retried;
}

/**
 * Enqueues many jobs of one kind in as few statements as the 32 KiB parameter bound allows (same
 * transaction semantics as enqueue with `db`). Per-job singleton keys are not supported here.
 */
export async function enqueueMany<T extends object>(
  job: JobDefinition<T>,
  items: readonly T[],
  opts?: Omit<EnqueueOptions, "singletonKey">,
): Promise<void>;
export async function enqueueMany(name: string, items: readonly object[], opts?: Omit<EnqueueOptions, "singletonKey">): Promise<void>;
export async function enqueueMany(
  job: JobDefinition<object> | string,
  items: readonly object[],
  opts: Omit<EnqueueOptions, "singletonKey"> = {},
): Promise<void> {
  const name = typeof job === "string" ? job : job.name;
  assertJobName(name);
  const def = typeof job === "string" ? getJobDefinition(name) : job;
  if (items.length === 0) return;
  const o = sendOptions(name, def, opts);
  const startAfter =
    o.startAfter instanceof Date ? o.startAfter.toISOString() : o.startAfter !== undefined ? String(o.startAfter) : undefined;
  const rows: PgBoss.JobInsert[] = items.map((data) => {
    assertPayload(name, data);
    const row: PgBoss.JobInsert = { name, data };
    if (o.retryLimit !== undefined) row.retryLimit = o.retryLimit;
    if (o.retryDelay !== undefined) row.retryDelay = o.retryDelay;
    if (o.retryBackoff !== undefined) row.retryBackoff = o.retryBackoff;
    if (o.expireInSeconds !== undefined) row.expireInSeconds = o.expireInSeconds;
    if (o.priority !== undefined) row.priority = o.priority;
    if (startAfter !== undefined) row.startAfter = startAfter;
    return row;
  });

  const via = opts.db ? toJobDb(opts.db) : undefined;
  const boss = via ? bossInstance() : await getBoss();
  await ensureQueue(def ?? name, via);

  // One statement per BATCH_BYTES of JSON, like every bulk write (lib/db/batches.ts).
  for (const chunk of chunkByBytes(rows, (row) => Buffer.byteLength(JSON.stringify(row), "utf8") + 1)) {
    await boss.insert(chunk, via ? { db: via } : {});
  }
  // Like enqueue: this process's idle workers take them now, not at their next poll (2 s when idle; an
  // import's runners waited for it, 1–2.5 s at the start of every job).
  notifyEnqueued(name, opts);
}

/** Which of the given queues have a job waiting and due now (one statement for all of them). */
export async function dueQueueNames(names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const boss = await getBoss();
  const r = await boss.getDb().executeSql(
    `SELECT DISTINCT name FROM ${JOBS_SCHEMA}.job WHERE name = ANY($1::text[]) AND state < 'active' AND start_after < now()`,
    [names],
  );
  return (r.rows as { name: string }[]).map((row) => row.name);
}

/** Jobs waiting and due now (not active, start time reached) in the given queues. */
export async function countDueJobs(names: readonly string[]): Promise<number> {
  if (names.length === 0) return 0;
  const boss = await getBoss();
  const r = await boss.getDb().executeSql(
    `SELECT count(*)::int AS n FROM ${JOBS_SCHEMA}.job
      WHERE name = ANY($1::text[]) AND state < 'active' AND start_after < now()`,
    [names],
  );
  return Number((r.rows[0] as { n: number | string } | undefined)?.n ?? 0);
}

/**
 * Deletes a queue together with its jobs and archived jobs (tests, operators). One simple-protocol
 * message holding several statements, which PostgreSQL runs as one transaction: the lock is held to
 * the end, and a failure rolls everything back without leaving the pooled connection mid-transaction.
 * The name is validated by assertJobName (no quotes possible), so inlining it is safe.
 */
export async function deleteQueue(name: string): Promise<void> {
  assertJobName(name);
  const boss = await getBoss();
  const q = `'${name}'`;
  await boss.getDb().executeSql(
    `SELECT ${PGBOSS_LOCK};
     DELETE FROM ${JOBS_SCHEMA}.job WHERE name = ${q};
     DELETE FROM ${JOBS_SCHEMA}.archive WHERE name = ${q};
     SELECT ${JOBS_SCHEMA}.delete_queue(${q});`,
    [], // no parameters: node-postgres then uses the simple protocol, which allows several statements
  );
  const s = state();
  s.readyQueues.delete(name);
}
