import { db } from "@/lib/db";

/**
 * Progress counters are derived from the per-file rows in one statement, never incremented: a crashed
 * and re-run step cannot double-count.
 */
export async function refreshProgress(jobId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE import_jobs j SET
      total_files = s.total, imported_files = s.imported, failed_files = s.failed, skipped_files = s.skipped,
      bytes_transferred = s.bytes, total_bytes = s.total_bytes, updated_at = now()
    FROM (
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE status = 'imported')::int AS imported,
             count(*) FILTER (WHERE status = 'failed')::int AS failed,
             count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
             coalesce(sum(size_bytes) FILTER (WHERE status = 'imported'), 0)::bigint AS bytes,
             coalesce(sum(size_bytes) FILTER (WHERE status <> 'skipped'), 0)::bigint AS total_bytes
      FROM import_items WHERE job_id = ${jobId}
    ) s
    WHERE j.id = ${jobId}`;
}

const lastRefresh = new Map<string, number>();
/** At most once a second per job and process: cheap enough for jobs of a million files. */
export async function refreshProgressThrottled(jobId: string, now = Date.now()): Promise<void> {
  if (now - (lastRefresh.get(jobId) ?? 0) < 1000) return;
  lastRefresh.set(jobId, now);
  await refreshProgress(jobId);
}
