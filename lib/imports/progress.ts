import { sql } from "@/lib/db";

/**
 * The job's counters, counted from its per-file rows (a crashed and re-run step cannot double-count),
 * as a subquery `s` of total, imported, failed, skipped, bytes, total_bytes for job $1, to be used with
 * the job's row as `j`. Skipped files are those skipped at import time (import_items rows) plus the
 * listing's: `j.listing_skipped`, the one counter that is incremented, by the same statement that
 * writes their import_skips rows, exactly once per page (lib/imports/classify.ts). So it is as exact as
 * a count of them and does not grow with them (a rescan of a million files is not a million-row count
 * a second).
 */
const COUNTS = `(
  SELECT count(*)::int AS total,
         count(*) FILTER (WHERE status = 'imported')::int AS imported,
         count(*) FILTER (WHERE status = 'failed')::int AS failed,
         count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
         coalesce(sum(size_bytes) FILTER (WHERE status = 'imported'), 0)::bigint AS bytes,
         coalesce(sum(size_bytes) FILTER (WHERE status <> 'skipped'), 0)::bigint AS total_bytes
  FROM import_items WHERE job_id = $1
) s`;

const SET_COUNTS = `total_files = s.total + j.listing_skipped, imported_files = s.imported, failed_files = s.failed,
  skipped_files = s.skipped + j.listing_skipped, bytes_transferred = s.bytes, total_bytes = s.total_bytes, updated_at = now()`;

/** Recomputes the job's progress counters in one statement. */
export async function refreshProgress(jobId: string): Promise<void> {
  await sql(`UPDATE import_jobs j SET ${SET_COUNTS} FROM ${COUNTS} WHERE j.id = $1`, [jobId]);
}

const lastRefresh = new Map<string, number>();
function remember(jobId: string, now: number): void {
  if (lastRefresh.size > 10_000) lastRefresh.clear(); // bounded however many jobs a process sees
  lastRefresh.set(jobId, now);
}

/** At most once a second per job and process: cheap enough for jobs of a million files. */
export async function refreshProgressThrottled(jobId: string, now = Date.now()): Promise<void> {
  if (now - (lastRefresh.get(jobId) ?? 0) < 1000) return;
  remember(jobId, now);
  await refreshProgress(jobId);
}

/**
 * The first throttled refresh of a job waits a second from here: a job that is done within it is
 * counted once, when it finishes (the counters start at zero either way).
 */
export function deferProgressRefresh(jobId: string, now = Date.now()): void {
  if (!lastRefresh.has(jobId)) remember(jobId, now);
}

export type FinishedJob = { status: "completed" | "failed"; imported: number; failed: number; skipped: number };

/**
 * Ends the job when its listing is done and no file is pending or in flight: final counters, status
 * (`failed` when every file failed, else `completed`) and completion time in one statement. Callers
 * racing here (the scan and every runner may call it) are serialised on the job's row: exactly one gets
 * the result, the others null.
 */
export async function finishIfDone(jobId: string, active: readonly string[]): Promise<FinishedJob | null> {
  const rows = await sql<FinishedJob>(
    `UPDATE import_jobs j SET ${SET_COUNTS},
       status = CASE WHEN s.failed > 0 AND s.imported = 0 AND s.skipped + j.listing_skipped = 0 THEN 'failed' ELSE 'completed' END,
       error_message = CASE WHEN s.failed > 0 AND s.imported = 0 AND s.skipped + j.listing_skipped = 0 THEN 'every file failed to import' END,
       completed_at = now(), current_file = NULL
     FROM ${COUNTS}
     WHERE j.id = $1 AND j.status = ANY($2::text[]) AND j.listing_done
       AND NOT EXISTS (SELECT 1 FROM import_items i WHERE i.job_id = $1 AND i.status IN ('pending', 'importing'))
     RETURNING j.status, j.imported_files AS imported, j.failed_files AS failed, j.skipped_files AS skipped`,
    [jobId, active],
  );
  return rows[0] ?? null;
}
