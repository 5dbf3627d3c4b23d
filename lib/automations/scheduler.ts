import { db } from "@/lib/db";
import { now as clockNow } from "@/lib/clock";
import { logger } from "@/lib/logger";
import { defineJob } from "@/lib/jobs/registry";
import { enqueue } from "@/lib/jobs/queue";
import { scanAutomationJob, sweepUnstartedRuns } from "./scan-location";

// The automation scheduler lives on the job queue, not in timers: a self-renewing "automations.tick"
// job (at most one queued at a time, queue policy "short") claims the automations that are due and
// enqueues one scan job per automation. State (next_run_at) is in the database, so it survives
// restarts; claiming is one UPDATE … FOR UPDATE SKIP LOCKED, so any number of worker processes can run
// ticks and each due automation is handed out once. The chain is (re)started whenever an automation is
// enabled or resumed, and stops by itself when no enabled automation is left.

/** Seconds between ticks: the scheduling granularity (intervals are 5 min to 1 day). */
export const TICK_SECONDS = 30;
const CLAIM_BATCH = 100;

export const automationTick = defineJob<Record<string, never>>(
  "automations.tick",
  async () => {
    try {
      await tickAutomations();
    } catch (err) {
      logger.error("automation tick failed", { error: (err as Error).message });
    }
    const any = await db.automation.count({ where: { type: "import", enabled: true, paused: false } });
    if (any > 0) await enqueue(automationTick, {}, { singletonKey: "tick", startAfter: TICK_SECONDS });
  },
  { policy: "short", retryLimit: 3, retryDelay: 5, expireInSeconds: 300 },
);

/** Starts the tick chain now (a no-op when a tick is already queued). */
export async function ensureSchedulerTick(): Promise<void> {
  await enqueue(automationTick, {}, { singletonKey: "tick" });
}

/**
 * Claims every due import automation (enabled, not paused, next_run_at ≤ now), moves its next_run_at
 * one interval on, and enqueues its scan. Also starts prompt runs that a crash left unstarted.
 * Returns the claimed automation ids. `now` is the clock seam.
 */
export async function tickAutomations(now: Date = clockNow()): Promise<string[]> {
  const claimed = await db.$queryRaw<{ id: string }[]>`
    UPDATE automations a SET
      last_triggered_at = ${now},
      next_run_at = ${now}::timestamp + (CASE a.debounce_interval
        WHEN '5m' THEN interval '5 minutes' WHEN '10m' THEN interval '10 minutes'
        WHEN '1h' THEN interval '1 hour' ELSE interval '1 day' END),
      updated_at = now()
    WHERE a.id IN (
      SELECT id FROM automations
      WHERE type = 'import' AND enabled AND NOT paused AND next_run_at <= ${now}
      ORDER BY next_run_at LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED
    )
    RETURNING a.id`;
  for (const { id } of claimed) await enqueue(scanAutomationJob, { automationId: id }, { singletonKey: id });
  await sweepUnstartedRuns();
  return claimed.map((c) => c.id);
}
