// Standalone job worker: `npm run worker` (through scripts/start.ts, which provides the database and
// calls runWorkerProcess) or directly `tsx scripts/worker.ts` with DATABASE_URL set. Any number of
// these processes, on any number of machines, can share one database: pg-boss hands each job to one
// of them, and a job whose worker dies is retried once its lease (expireInSeconds) runs out.
//
// Environment: DATABASE_URL (required), GANTRY_WORKER_CONCURRENCY (jobs at once per queue, default 4),
// GANTRY_WORKER_QUEUES (comma-separated subset of queues, default all), GANTRY_WORKER_POLL_SECONDS (idle
// polling interval per queue, default 2), GANTRY_WORKER_STOP_TIMEOUT_MS (grace period for running jobs
// on SIGTERM/SIGINT, default 30000), GANTRY_JOBS_POOL_SIZE,
// GANTRY_JOBS_MAINTENANCE_SECONDS (see lib/jobs/queue.ts).
import { disconnectDb } from "../lib/db";
import { jobModules } from "../lib/jobs/all";
import { startWorker, stopBoss } from "../lib/jobs";
import { logger } from "../lib/logger";

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export async function runWorkerProcess(options: { onExit?: (code: number) => void | Promise<void> } = {}): Promise<void> {
  const exit = async (code: number) => {
    if (options.onExit) await options.onExit(code);
    process.exit(code);
  };
  if (!process.env.DATABASE_URL) {
    console.error(
      "worker: DATABASE_URL is not set. Point it at PostgreSQL (or the pglite-server endpoint), or start the worker with `npm run worker`.",
    );
    await exit(1);
    return;
  }

  let concurrency: number;
  let stopTimeoutMs: number;
  try {
    concurrency = intEnv("GANTRY_WORKER_CONCURRENCY", 4, 1);
    stopTimeoutMs = intEnv("GANTRY_WORKER_STOP_TIMEOUT_MS", 30_000, 0);
  } catch (err) {
    console.error(`worker: ${(err as Error).message}`);
    await exit(1);
    return;
  }
  const pollRaw = process.env.GANTRY_WORKER_POLL_SECONDS;
  const pollingIntervalSeconds = pollRaw ? Number(pollRaw) : 2;
  if (!(pollingIntervalSeconds >= 0.1)) {
    console.error(`worker: GANTRY_WORKER_POLL_SECONDS must be a number >= 0.1, got ${JSON.stringify(pollRaw)}`);
    await exit(1);
    return;
  }
  const queues = process.env.GANTRY_WORKER_QUEUES?.split(",").map((q) => q.trim()).filter(Boolean);

  void jobModules; // the manifest import registers every job
  const worker = await startWorker({ concurrency, stopTimeoutMs, pollingIntervalSeconds, ...(queues?.length ? { queues } : {}) });
  logger.info(
    `worker started (pid ${process.pid}, concurrency ${concurrency}): ${worker.queues.length ? worker.queues.join(", ") : "no jobs defined"}`,
    { queues: worker.queues },
  );

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`worker: second ${signal}, exiting now (running jobs are retried after their lease)`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`worker: ${signal} received, finishing running jobs (up to ${stopTimeoutMs} ms)`);
    let code = 0;
    try {
      await worker.stop();
      await stopBoss();
      await disconnectDb();
    } catch (err) {
      logger.error("worker: error while stopping", { error: (err as Error).message });
      code = 1;
    }
    logger.info("worker stopped");
    await exit(code);
  };
  process.on("SIGTERM", (s) => void shutdown(s));
  process.on("SIGINT", (s) => void shutdown(s));
}

// Run when executed directly (tsx scripts/worker.ts); stay passive when imported by scripts/start.ts.
const isMain = typeof require !== "undefined" && typeof module !== "undefined" && require.main === module;
if (isMain) {
  runWorkerProcess().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
