import { setTimeout as sleep } from "node:timers/promises";
import type PgBoss from "pg-boss";
import { countDueJobs, dueQueueNames, ensureQueue, getBoss, jobsLog, onEnqueued } from "./queue";
import { getJobDefinition, listJobDefinitions, MAINTENANCE_INTERVAL_MS, runMaintenance, type JobContext, type JobDefinition } from "./registry";

// The worker loop. It claims jobs with pg-boss's fetch (FOR UPDATE SKIP LOCKED, so any number of
// processes share a queue and each job is handed to one of them) and records the outcome with
// complete / fail. pg-boss's own work() is not used: in 10.x it runs one polling loop per registration
// (concurrency N = N loops each polling every interval, costly on the single-session embedded
// server), fires complete()/fail() without awaiting them (a database hiccup becomes an unhandled
// rejection that kills the process), fails a whole batch when one job throws, and offers handlers no
// AbortSignal. Here each queue has one loop that fetches up to its free slots, each job is settled on
// its own, completions are group-committed in one statement, and the same loop backs runTimeSlice().
//
// Delivery is at-least-once (see registry.ts): handlers must be idempotent.

export class JobAbortedError extends Error {
  constructor(
    readonly reason: "timeout" | "stopping",
    message: string,
  ) {
    super(message);
    this.name = "JobAbortedError";
  }
}

type FetchedJob = PgBoss.JobWithMetadata<object>;

function errorOutput(err: unknown): Record<string, string> {
  const e = err instanceof Error ? err : new Error(String(err));
  const out: Record<string, string> = { name: e.name, message: e.message.slice(0, 2000) };
  if (e.stack) out.stack = e.stack.slice(0, 4000);
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") out.code = code.slice(0, 100);
  return out;
}

/** Batches complete() calls: while one statement is in flight the next ones queue up behind it. */
class Completer {
  private pending: { id: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly boss: PgBoss,
    private readonly name: string,
  ) {}

  complete(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, 500); // 500 uuids ≈ 19 KB of parameters
        try {
          await this.boss.complete(this.name, batch.map((b) => b.id));
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

interface RunnerOptions {
  concurrency: number;
  /** Idle: fetch again after this long (±20 %); with a shared poller, only after this long as a backstop. */
  pollMs: number;
  /** Time-slice mode: stop fetching at this instant (per `now`) or when the queue is empty. */
  fetchUntil?: number;
  now: () => number;
}

/** An idle runner fetches on its own after this many poll intervals, should the shared poller miss it. */
const IDLE_BACKSTOP_POLLS = 15;

class QueueRunner {
  processed = 0;
  failed = 0;
  private readonly inflight = new Set<Promise<void>>();
  private readonly running = new Map<string, AbortController>();
  private readonly stopAc = new AbortController();
  private readonly completer: Completer;
  private loop: Promise<void> | null = null;
  /** Ends the current idle sleep early (a job was enqueued in this process). */
  private wakeSleep: (() => void) | null = null;
  private woken = false;

  constructor(
    private readonly boss: PgBoss,
    private readonly def: JobDefinition<object>,
    private readonly opts: RunnerOptions,
  ) {
    this.completer = new Completer(boss, def.name);
  }

  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  get queue(): string {
    return this.def.name;
  }

  /** A job was enqueued for this queue in this process: fetch now instead of after the poll interval. */
  wake(): void {
    this.woken = true;
    this.wakeSleep?.();
  }

  private async idle(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const ac = new AbortController();
    this.wakeSleep = () => ac.abort();
    const onStop = () => ac.abort();
    this.stopAc.signal.addEventListener("abort", onStop, { once: true });
    try {
      await sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined);
    } finally {
      this.wakeSleep = null;
      this.woken = false;
      this.stopAc.signal.removeEventListener("abort", onStop);
    }
  }

  /** Stops fetching, waits up to timeoutMs for running jobs, then aborts and fails the rest. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopAc.abort();
    await this.loop;
    if (this.inflight.size > 0) {
      await Promise.race([Promise.allSettled([...this.inflight]), sleep(timeoutMs, undefined, { ref: false })]);
    }
    if (this.inflight.size > 0) {
      jobsLog().warn("stop timeout: abandoning running jobs (they are failed and will be retried)", {
        queue: this.def.name,
        jobs: [...this.running.keys()],
      });
      for (const ac of this.running.values()) {
        ac.abort(new JobAbortedError("stopping", "worker stopped before the job finished"));
      }
      // The aborted runs now record their failure; bounded in case the database is gone.
      await Promise.race([Promise.allSettled([...this.inflight]), sleep(5000, undefined, { ref: false })]);
    }
  }

  private get stopping(): boolean {
    return this.stopAc.signal.aborted;
  }

  private async run(): Promise<void> {
    const { concurrency, pollMs, fetchUntil, now } = this.opts;
    const slice = fetchUntil !== undefined;
    const stopped = new Promise<void>((resolve) => this.stopAc.signal.addEventListener("abort", () => resolve(), { once: true }));
    while (!this.stopping) {
      if (slice && now() >= fetchUntil) break;
      const free = concurrency - this.inflight.size;
      if (free <= 0) {
        await Promise.race([...this.inflight, stopped]);
        continue;
      }
      this.woken = false; // this fetch sees every job enqueued so far
      let jobs: FetchedJob[] = [];
      try {
        jobs = await this.boss.fetch<object>(this.def.name, {
          batchSize: Math.min(free, this.def.options.batchSize ?? free),
          includeMetadata: true,
        });
      } catch (err) {
        jobsLog().error("fetch failed", { queue: this.def.name, error: (err as Error).message });
      }
      if (jobs.length === 0) {
        if (slice) break;
        // ±20 % so that many workers started together do not poll in lockstep. (startWorker's shared
        // poller wakes this runner sooner when its queue has due jobs; then pollMs is a long backstop.)
        const wait = Math.round(pollMs * (0.8 + Math.random() * 0.4));
        await this.idle(wait);
        continue;
      }
      for (const job of jobs) {
        const p: Promise<void> = this.runJob(job)
          .catch((err: Error) => jobsLog().error("job runner error", { queue: job.name, jobId: job.id, error: err.message }))
          .finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      }
    }
    if (slice) await Promise.allSettled([...this.inflight]);
  }

  private async runJob(job: FetchedJob): Promise<void> {
    const ac = new AbortController();
    this.running.set(job.id, ac);
    const retryCount = Number(job.retryCount);
    const ctx: JobContext = {
      jobId: job.id,
      name: job.name,
      attempt: retryCount + 1,
      isLastAttempt: retryCount >= Number(job.retryLimit),
      signal: ac.signal,
    };
    // Mirror the lease: once it runs out, maintenance may hand the job to another worker, so this run
    // is told to stop (signal) and is no longer waited for.
    const leaseMs = Math.max(1, Number(job.expireInSeconds)) * 1000;
    const timer = setTimeout(
      () => ac.abort(new JobAbortedError("timeout", `job exceeded its lease of ${job.expireInSeconds}s`)),
      leaseMs,
    );
    const aborted = new Promise<never>((_, reject) =>
      ac.signal.addEventListener("abort", () => reject(ac.signal.reason), { once: true }),
    );
    aborted.catch(() => undefined);

    let error: unknown;
    let ok = false;
    try {
      const run = Promise.resolve().then(() => this.def.handler(job.data, ctx));
      run.catch(() => undefined); // a handler that rejects after its lease ran out must not crash us
      await Promise.race([run, aborted]);
      ok = true;
    } catch (err) {
      error = err;
    } finally {
      clearTimeout(timer);
      this.running.delete(job.id);
    }

    if (ok) {
      this.processed++;
      try {
        await this.completer.complete(job.id);
      } catch (err) {
        jobsLog().error("could not record completion; the job will run again when its lease expires", {
          queue: job.name,
          jobId: job.id,
          error: (err as Error).message,
        });
      }
      return;
    }

    this.failed++;
    jobsLog().warn("job failed", {
      queue: job.name,
      jobId: job.id,
      attempt: ctx.attempt,
      willRetry: !ctx.isLastAttempt,
      error: error instanceof Error ? error.message : String(error),
    });
    try {
      await this.boss.fail(job.name, job.id, errorOutput(error));
    } catch (err) {
      jobsLog().error("could not record failure; the job will be retried when its lease expires", {
        queue: job.name,
        jobId: job.id,
        error: (err as Error).message,
      });
    }
  }
}

function selectDefinitions(queues: readonly string[] | undefined): JobDefinition<object>[] {
  if (!queues) return listJobDefinitions();
  const unknown = queues.filter((q) => !getJobDefinition(q));
  if (unknown.length > 0) {
    const known = listJobDefinitions().map((d) => d.name);
    throw new Error(`unknown job queue(s): ${unknown.join(", ")} (defined: ${known.join(", ") || "none"})`);
  }
  return [...new Set(queues)].map((q) => getJobDefinition(q) as JobDefinition<object>);
}

function positiveInt(label: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${label} must be a positive integer, got ${value}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------

export interface WorkerOptions {
  /** Queue names to work; default every defined job. */
  queues?: string[];
  /** Jobs run at once per queue, unless the job's definition says otherwise. Default 2. */
  concurrency?: number;
  /** Idle polling interval per queue. Default 2 s (minimum 0.1 s). */
  pollingIntervalSeconds?: number;
  /** How long stop() waits for running jobs before aborting them. Default 30 s. */
  stopTimeoutMs?: number;
}

export interface RunningWorker {
  readonly queues: readonly string[];
  /**
   * Graceful stop: no new jobs are claimed; running ones get `timeoutMs` to finish; after that their
   * signal is aborted and they are failed (so they are retried elsewhere). Does not close the
   * process's pg-boss instance (enqueueing may go on): call stopBoss() when the process is exiting.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** Starts processing every defined job (or `queues`) in this process until stop(). */
export async function startWorker(options: WorkerOptions = {}): Promise<RunningWorker> {
  const defs = selectDefinitions(options.queues);
  const concurrency = positiveInt("concurrency", options.concurrency ?? 2);
  const pollSeconds = options.pollingIntervalSeconds ?? 2;
  if (!(pollSeconds >= 0.1)) throw new Error(`pollingIntervalSeconds must be at least 0.1, got ${pollSeconds}`);
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;

  const boss = await getBoss();
  for (const def of defs) await ensureQueue(def);
  const pollMs = Math.round(pollSeconds * 1000);
  const runners = defs.map(
    (def) =>
      new QueueRunner(boss, def, {
        concurrency: def.options.concurrency ?? concurrency,
        // Idle runners are woken by the shared poller below; their own fetch is only a backstop.
        pollMs: pollMs * IDLE_BACKSTOP_POLLS,
        now: Date.now,
      }),
  );
  for (const r of runners) {
    r.start().catch((err: Error) => jobsLog().error("worker loop crashed", { error: err.message }));
  }
  const byQueue = new Map(runners.map((r) => [r.queue, r]));
  const unsubscribe = onEnqueued((queue) => byQueue.get(queue)?.wake(), [...byQueue.keys()]);
  // One statement per poll interval asks which queues have due jobs (pg-boss's fetch, one per queue and
  // interval, cost ~13 ms each on the embedded database: 10 queues kept it 6 % busy while idle), and
  // wakes those queues' runners, which then fetch.
  const pollerAc = new AbortController();
  const poller = (async () => {
    const names = defs.map((d) => d.name);
    while (!pollerAc.signal.aborted) {
      await sleep(Math.round(pollMs * (0.8 + Math.random() * 0.4)), undefined, { signal: pollerAc.signal }).catch(() => undefined);
      if (pollerAc.signal.aborted) break;
      try {
        for (const name of await dueQueueNames(names)) byQueue.get(name)?.wake();
      } catch (err) {
        jobsLog().error("poll failed", { error: (err as Error).message });
      }
    }
  })();
  // Repairs (lost queue jobs and the like) once a minute, the first a few seconds after start.
  const served = defs.map((d) => d.name);
  const maintain = () => void runMaintenance(served, new Date(), (m, meta) => jobsLog().warn(m, meta));
  const firstSweep = setTimeout(maintain, 5_000);
  const sweeps = setInterval(maintain, MAINTENANCE_INTERVAL_MS);
  firstSweep.unref();
  sweeps.unref();

  let stopping: Promise<void> | null = null;
  return {
    queues: defs.map((d) => d.name),
    stop(stopOptions = {}) {
      clearTimeout(firstSweep);
      clearInterval(sweeps);
      unsubscribe();
      pollerAc.abort();
      stopping ??= Promise.all([poller, ...runners.map((r) => r.stop(stopOptions.timeoutMs ?? stopTimeoutMs))]).then(() => undefined);
      return stopping;
    },
  };
}

export interface TimeSliceOptions {
  /** Stop claiming new jobs after this many milliseconds (running ones are finished, see below). */
  budgetMs: number;
  /** Clock seam (ms); default Date.now. */
  now?: () => number;
  /** Queue names; default every defined job. */
  queues?: string[];
  /** Jobs run at once per queue, unless the job's definition says otherwise. Default 1. */
  concurrency?: number;
}

export interface TimeSliceResult {
  /** Jobs whose handler succeeded. */
  processed: number;
  /** Jobs whose handler threw or ran out of lease (they are retried or end failed, per retryLimit). */
  failed: number;
  /** Jobs still waiting and already due in these queues when the slice ended. */
  remainingEstimate: number;
}

/**
 * Serverless mode (behind the authenticated cron route): claims and runs jobs until `budgetMs` is
 * spent or the queues are empty, then returns. The budget bounds when the last job may be *claimed*;
 * a job claimed just before the end still runs to completion (or to its lease), so choose
 * budgetMs ≈ the platform's function time limit − the longest expected job. A slice killed by the
 * platform mid-job loses nothing: the job's lease expires and it is retried.
 *
 * With no long-lived process, lease expiry also happens here: each slice first runs pg-boss's
 * expire step (failing, and so retrying, jobs whose worker vanished).
 */
export async function runTimeSlice(options: TimeSliceOptions): Promise<TimeSliceResult> {
  const { budgetMs } = options;
  if (!(Number.isFinite(budgetMs) && budgetMs > 0)) throw new Error(`budgetMs must be a positive number, got ${budgetMs}`);
  const now = options.now ?? Date.now;
  const fetchUntil = now() + budgetMs;
  const defs = selectDefinitions(options.queues);
  const concurrency = positiveInt("concurrency", options.concurrency ?? 1);

  const boss = await getBoss();
  for (const def of defs) await ensureQueue(def);
  try {
    await boss.expire();
  } catch (err) {
    jobsLog().warn("lease expiry step failed", { error: (err as Error).message });
  }
  await runMaintenance(defs.map((d) => d.name), new Date(), (m, meta) => jobsLog().warn(m, meta));

  const runners = defs.map(
    (def) => new QueueRunner(boss, def, { concurrency: def.options.concurrency ?? concurrency, pollMs: 0, fetchUntil, now }),
  );
  await Promise.all(runners.map((r) => r.start()));

  return {
    processed: runners.reduce((n, r) => n + r.processed, 0),
    failed: runners.reduce((n, r) => n + r.failed, 0),
    remainingEstimate: await countDueJobs(defs.map((d) => d.name)),
  };
}
