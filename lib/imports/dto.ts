import type { z } from "zod";
import { sql } from "@/lib/db";
import { iso } from "@/lib/api/serialize";
import type { ImportItem, ImportJob } from "@/lib/generated/prisma/client";
import type { ImportItemObject, ImportJobObject } from "./schemas";

/** The embedded lists hold at most this many entries; GET /import-jobs/{id}/items pages through all. */
export const EMBEDDED_LIST_LIMIT = 1000;

type EmbeddedLists = { videoIds: string[]; failed: { path: string; reason: string | null }[]; skipped: { path: string; reason: string | null }[] };

/**
 * The embedded lists (video ids, failed and skipped files: the first 1,000 of each, oldest first) of
 * several jobs in one statement: a page of 100 jobs was 300 Prisma queries, and the import page polls
 * its job every second.
 */
async function embeddedLists(jobIds: string[]): Promise<Map<string, EmbeddedLists>> {
  const out = new Map<string, EmbeddedLists>(jobIds.map((id) => [id, { videoIds: [], failed: [], skipped: [] }]));
  if (!jobIds.length) return out;
  const rows = await sql<{ job_id: string; status: string; path: string; reason: string | null; video_id: string | null }>(
    `SELECT j.id AS job_id, l.status, l.path, l.reason, l.video_id
     FROM unnest($1::text[]) AS j(id)
     CROSS JOIN LATERAL (
       (SELECT i.id, i.status, i.path, i.reason, i.video_id FROM import_items i
        WHERE i.job_id = j.id AND i.status = 'imported' AND i.video_id IS NOT NULL ORDER BY i.id LIMIT $2)
       UNION ALL
       (SELECT i.id, i.status, i.path, i.reason, i.video_id FROM import_items i WHERE i.job_id = j.id AND i.status = 'failed' ORDER BY i.id LIMIT $2)
       UNION ALL
       -- skipped: by the listing (import_skips) or at import time (import_items), oldest first
       (SELECT k.id, 'skipped', k.path, k.reason, NULL FROM (
          (SELECT i.id, i.path, i.reason FROM import_items i WHERE i.job_id = j.id AND i.status = 'skipped' ORDER BY i.id LIMIT $2)
          UNION ALL
          (SELECT s.id, s.path, s.reason FROM import_skips s WHERE s.job_id = j.id ORDER BY s.id LIMIT $2)
        ) k ORDER BY k.id LIMIT $2)
     ) l
     ORDER BY j.id, l.id`,
    [jobIds, EMBEDDED_LIST_LIMIT],
  );
  for (const r of rows) {
    const lists = out.get(r.job_id)!;
    if (r.status === "imported") lists.videoIds.push(r.video_id!);
    else (r.status === "failed" ? lists.failed : lists.skipped).push({ path: r.path, reason: r.reason });
  }
  return out;
}

/** Several jobs' API objects, their embedded lists read in one statement. */
export async function toImportJobDtos(jobs: ImportJob[]): Promise<z.infer<typeof ImportJobObject>[]> {
  const lists = await embeddedLists(jobs.map((j) => j.id));
  return jobs.map((job) => jobObject(job, lists.get(job.id)!));
}

export async function toImportJobDto(job: ImportJob): Promise<z.infer<typeof ImportJobObject>> {
  return (await toImportJobDtos([job]))[0];
}

function jobObject(job: ImportJob, { videoIds, failed, skipped }: EmbeddedLists): z.infer<typeof ImportJobObject> {
  return {
    job_id: job.id,
    connector_id: job.connectorId,
    target_index_id: job.indexId,
    source_prefix: job.sourcePrefix,
    file_pattern: job.filePattern,
    recursive: job.recursive,
    status: job.status as z.infer<typeof ImportJobObject>["status"],
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    error_message: job.errorMessage,
    progress: {
      total_files: job.totalFiles,
      imported: job.importedFiles,
      failed: job.failedFiles,
      skipped: job.skippedFiles,
      bytes_transferred: Number(job.bytesTransferred),
      current_file: job.currentFile,
      total_bytes: Number(job.totalBytes),
    },
    video_ids: videoIds,
    failed_files: failed.map((f) => ({ path: f.path, error: f.reason ?? "failed" })),
    skipped_files: skipped.map((s) => ({ path: s.path, reason: (s.reason ?? "already_imported") as z.infer<typeof ImportJobObject>["skipped_files"][number]["reason"] })),
    import_mode: job.importMode as "all" | "new_only",
    automation_id: job.automationId,
    prompt_run_id: job.promptRunId,
  };
}

export function toImportItemDto(i: ImportItem): z.infer<typeof ImportItemObject> {
  return {
    item_id: i.id, path: i.path, version: i.version, size_bytes: Number(i.sizeBytes), status: i.status as z.infer<typeof ImportItemObject>["status"],
    reason: i.reason, video_id: i.videoId, attempts: i.attempts, updated_at: iso(i.updatedAt),
  };
}
