import type { ImportJob } from "@/lib/generated/prisma/client";

// What other features do when an import job ends (import automations start their prompt run here).
// Called by the caller that won the job's terminal transition, after it committed; a crash in between
// is caught up by the automation scheduler's sweep, so handlers must be idempotent.
type Handler = (job: ImportJob) => Promise<void>;
const handlers: Handler[] = [];

export function onImportJobFinished(handler: Handler): void {
  handlers.push(handler);
}

export async function runImportJobFinishedHooks(job: ImportJob): Promise<void> {
  for (const h of handlers) await h(job);
}
