import type { Tx } from "@/lib/db";

// What other features do when a prompt run ends (export automations hook in here). Handlers run inside
// the transaction that moves the run to its terminal status, and only for the caller that won that
// transition, so a handler that enqueues work with `{ db: tx }` runs exactly once per finished run.
export type FinishedPromptRun = {
  id: string;
  workspaceId: string;
  indexId: string;
  status: "completed" | "completed_with_failures" | "failed" | "cancelled";
  automationId: string | null;
};
type Handler = (run: FinishedPromptRun, tx: Tx) => Promise<void>;

const handlers: Handler[] = [];

export function onPromptRunFinished(handler: Handler): void {
  handlers.push(handler);
}

export async function runPromptRunFinishedHooks(run: FinishedPromptRun, tx: Tx): Promise<void> {
  for (const h of handlers) await h(run, tx);
}
