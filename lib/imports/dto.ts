import type { z } from "zod";
import { db } from "@/lib/db";
import { iso } from "@/lib/api/serialize";
import type { ImportItem, ImportJob } from "@/lib/generated/prisma/client";
import type { ImportItemObject, ImportJobObject } from "./schemas";

/** The embedded lists hold at most this many entries; GET /import-jobs/{id}/items pages through all. */
export const EMBEDDED_LIST_LIMIT = 1000;

export async function toImportJobDto(job: ImportJob): Promise<z.infer<typeof ImportJobObject>> {
  const [imported, failed, skipped] = await Promise.all([
    db.importItem.findMany({ where: { jobId: job.id, status: "imported" }, select: { videoId: true }, orderBy: { id: "asc" }, take: EMBEDDED_LIST_LIMIT }),
    db.importItem.findMany({ where: { jobId: job.id, status: "failed" }, select: { path: true, reason: true }, orderBy: { id: "asc" }, take: EMBEDDED_LIST_LIMIT }),
    db.importItem.findMany({ where: { jobId: job.id, status: "skipped" }, select: { path: true, reason: true }, orderBy: { id: "asc" }, take: EMBEDDED_LIST_LIMIT }),
  ]);
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
    video_ids: imported.map((i) => i.videoId).filter((v): v is string => !!v),
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
