import { jobModules } from "./all";
import { jobsLog } from "./queue";
import { startWorker, type RunningWorker } from "./worker";

// Single-machine mode: the worker runs inside the Next.js server process (instrumentation.ts). The
// same code as `npm run worker`; scale-out deployments switch this off and run worker processes.
// No signal handlers are installed here (Next.js owns the process): jobs running when the server
// exits are retried when their lease runs out.
const g = globalThis as unknown as { __gantryInlineWorker?: Promise<RunningWorker> };

export function startInlineWorker(): Promise<RunningWorker> {
  if (!g.__gantryInlineWorker) {
    void jobModules; // the manifest import registers every job
    const raw = process.env.GANTRY_WORKER_CONCURRENCY;
    const concurrency = raw && Number.isInteger(Number(raw)) && Number(raw) > 0 ? Number(raw) : 4;
    g.__gantryInlineWorker = startWorker({ concurrency }).then((worker) => {
      jobsLog().info(`inline worker started: ${worker.queues.length ? worker.queues.join(", ") : "no jobs defined"}`, {
        queues: worker.queues,
        concurrency,
      });
      return worker;
    });
    g.__gantryInlineWorker.catch((err: Error) => {
      g.__gantryInlineWorker = undefined;
      jobsLog().error("inline worker failed to start", { error: err.message });
    });
  }
  return g.__gantryInlineWorker;
}
