// The job registry: every background job is declared once with defineJob(), next to the domain code
// it serves, and lib/jobs/all.ts imports those modules so the worker knows every handler.
//
// Delivery is AT-LEAST-ONCE. A handler may run more than once for the same job: after a worker crash
// or SIGKILL (the job's lease, expireInSeconds, runs out and the job is retried), after a timeout,
// after a graceful stop that had to give up on it, or when recording completion failed. Handlers must
// therefore be IDEMPOTENT: key their writes on the job's data (upserts, "where status = 'pending'"
// guards, deterministic object paths), never on "this runs once".

export type QueuePolicy = "standard" | "short" | "singleton" | "stately";

export interface JobContext {
  /** pg-boss job id (uuid). Stable across retries of the same job. */
  readonly jobId: string;
  /** Queue (= job) name. */
  readonly name: string;
  /** 1 on the first run, 2 on the first retry, … (a run cut short by a crash counts as an attempt). */
  readonly attempt: number;
  /** True when a failure of this attempt will not be retried (the job ends in state "failed"). */
  readonly isLastAttempt: boolean;
  /**
   * Aborted when the job's lease (expireInSeconds) runs out or the worker gives up on it while
   * stopping. pg-boss cannot kill a handler: long handlers should pass this signal to their I/O
   * (fetch, SDK calls, streams) so they stop when the job is no longer theirs.
   */
  readonly signal: AbortSignal;
}

export type JobHandler<T> = (data: T, ctx: JobContext) => Promise<void>;

export interface JobOptions {
  /** Retries after the first attempt (so retryLimit + 1 attempts in all). Default 5. */
  retryLimit?: number;
  /** Base retry delay in whole seconds. Default 10. */
  retryDelay?: number;
  /**
   * Exponential backoff with jitter. Default true. pg-boss 10.4's failJobs SQL already jitters it: the
   * n-th retry (n = 0, 1, …) starts retryDelay·2^n·(1 + random()) seconds after the failure, uniformly
   * in [retryDelay·2^n, retryDelay·2^(n+1)) ("equal jitter", exponent capped at 16). So no extra jitter
   * layer is added here (re-sending a copy would break the job id, retry count and singleton keys); the
   * integration test measures the spread on both databases. Without backoff the delay is fixed.
   */
  retryBackoff?: boolean;
  /**
   * The job's lease: a run that has not completed after this long is aborted by its worker, and
   * pg-boss maintenance fails it (then retries it) if the worker died. Default 900 (15 min), max < 24 h.
   * Set it above the handler's worst honest duration.
   */
  expireInSeconds?: number;
  /** Most jobs claimed by one fetch. Default: as many as there are free concurrency slots. */
  batchSize?: number;
  /** Jobs of this queue run at once per worker process (overrides the worker's default). */
  concurrency?: number;
  /**
   * pg-boss queue policy, which is what gives singletonKey meaning: "short" keeps at most one queued
   * job per key, "singleton" at most one active per key, "stately" one queued + one active per key;
   * "standard" (default) ignores singletonKey.
   */
  policy?: QueuePolicy;
}

export interface ResolvedJobOptions {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
  batchSize?: number;
  concurrency?: number;
  policy: QueuePolicy;
}

export interface JobDefinition<T = object> {
  readonly name: string;
  readonly handler: JobHandler<T>;
  readonly options: ResolvedJobOptions;
}

export const JOB_DEFAULTS = {
  retryLimit: 5,
  retryDelay: 10,
  retryBackoff: true,
  expireInSeconds: 15 * 60,
  policy: "standard",
} as const satisfies Omit<ResolvedJobOptions, "batchSize" | "concurrency">;

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const POLICIES: readonly QueuePolicy[] = ["standard", "short", "singleton", "stately"];

/** Queue names: letters, digits, ".", "_", "-", starting with a letter or digit (e.g. "imports.scan"). */
export function assertJobName(name: string): void {
  if (typeof name !== "string" || !QUEUE_NAME.test(name)) {
    throw new Error(`invalid job name ${JSON.stringify(name)}: use [A-Za-z0-9._-], at most 128 characters`);
  }
}

function positiveInt(label: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${label} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/** Checks the numeric job options shared by defineJob() and enqueue(); throws a clear Error. */
export function assertJobOptions(where: string, o: Partial<ResolvedJobOptions>): void {
  positiveInt(`${where}: retryLimit`, o.retryLimit, 0, 1000);
  positiveInt(`${where}: retryDelay`, o.retryDelay, 0);
  positiveInt(`${where}: expireInSeconds`, o.expireInSeconds, 1, 24 * 3600 - 1);
  positiveInt(`${where}: batchSize`, o.batchSize, 1, 500);
  positiveInt(`${where}: concurrency`, o.concurrency, 1, 1000);
  if (o.retryBackoff !== undefined && typeof o.retryBackoff !== "boolean") {
    throw new Error(`${where}: retryBackoff must be a boolean`);
  }
  if (o.policy !== undefined && !POLICIES.includes(o.policy)) {
    throw new Error(`${where}: policy must be one of ${POLICIES.join(", ")}`);
  }
}

// Kept on globalThis so that Next.js dev reloads of this module do not forget jobs defined earlier.
const g = globalThis as unknown as { __gantryJobRegistry?: Map<string, JobDefinition<object>> };
const registry: Map<string, JobDefinition<object>> = (g.__gantryJobRegistry ??= new Map());

/**
 * Declares a background job. The handler must be idempotent (see the top of this file).
 *
 *   export const scanLocation = defineJob<{ locationId: string }>("imports.scan-location",
 *     async ({ locationId }, { signal }) => { … }, { retryLimit: 8, expireInSeconds: 600 });
 *   await enqueue(scanLocation, { locationId }, { db: tx });
 *
 * Defining the same name again replaces the earlier definition (module reloads in development);
 * keep names unique across lib/jobs/all.ts.
 */
export function defineJob<T extends object>(
  name: string,
  handler: JobHandler<T>,
  options: JobOptions = {},
): JobDefinition<T> {
  assertJobName(name);
  if (typeof handler !== "function") throw new Error(`defineJob(${name}): handler must be a function`);
  assertJobOptions(`defineJob(${name})`, options);
  const resolved: ResolvedJobOptions = {
    retryLimit: options.retryLimit ?? JOB_DEFAULTS.retryLimit,
    retryDelay: options.retryDelay ?? JOB_DEFAULTS.retryDelay,
    retryBackoff: options.retryBackoff ?? JOB_DEFAULTS.retryBackoff,
    expireInSeconds: options.expireInSeconds ?? JOB_DEFAULTS.expireInSeconds,
    policy: options.policy ?? JOB_DEFAULTS.policy,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  };
  const definition: JobDefinition<T> = Object.freeze({ name, handler, options: Object.freeze(resolved) });
  registry.set(name, definition as unknown as JobDefinition<object>);
  return definition;
}

export function getJobDefinition(name: string): JobDefinition<object> | undefined {
  return registry.get(name);
}

export function listJobDefinitions(): JobDefinition<object>[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------------------------------------------
// Maintenance: small idempotent sweeps that repair what a crash can leave behind (a queue job lost
// after its row was written, …). Every long-lived worker runs them every MAINTENANCE_INTERVAL_MS and
// each cron time slice runs them once; they must be safe to run concurrently from many processes
// (claim with FOR UPDATE SKIP LOCKED and move the row's own due time on).

export const MAINTENANCE_INTERVAL_MS = 60_000;

/** `queue`: the sweep runs in processes that serve this queue (it enqueues there). */
export type MaintenanceTask = { name: string; queue: string; run: (now: Date) => Promise<unknown> };

// On globalThis: Next.js may bundle this module more than once in one process.
const gm = globalThis as unknown as { __gantryMaintenance?: Map<string, MaintenanceTask> };
const maintenanceTasks = (gm.__gantryMaintenance ??= new Map<string, MaintenanceTask>());

/** Declares a maintenance sweep (next to the domain code it repairs, like defineJob). */
export function defineMaintenance(name: string, queue: string, run: (now: Date) => Promise<unknown>): MaintenanceTask {
  const task = { name, queue, run };
  maintenanceTasks.set(name, task);
  return task;
}

/** Runs the sweeps of `queues` once; a failing sweep is logged and does not stop the others. */
export async function runMaintenance(
  queues: readonly string[],
  now: Date = new Date(),
  log: (msg: string, meta: Record<string, unknown>) => void = () => {},
): Promise<string[]> {
  const failed: string[] = [];
  for (const task of maintenanceTasks.values()) {
    if (!queues.includes(task.queue)) continue;
    try {
      await task.run(now);
    } catch (err) {
      failed.push(task.name);
      log("maintenance sweep failed", { task: task.name, error: (err as Error).message });
    }
  }
  return failed;
}
