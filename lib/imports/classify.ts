import { createHash } from "node:crypto";
import { db } from "@/lib/db";
import { mediaTypeOf } from "@/lib/media/media-types";
import type { RemoteObject } from "@/lib/providers/types";
import { importSettings } from "./settings";

export type SkipReason = "already_imported" | "unsupported_media_type" | "empty_file" | "too_large";

/** The identity new_only deduplicates on: (index, connector, path, version). */
export function sourceKeyOf(indexId: string, connectorId: string, path: string, version: string): string {
  return createHash("sha256").update(`${indexId}\n${connectorId}\n${version}\n${path}`).digest("hex");
}

/** Decides, per listed file, whether it is imported or skipped (and why). Batched: one query per page. */
export async function classifyFiles(
  job: { indexId: string; connectorId: string; importMode: string },
  files: RemoteObject[],
): Promise<{ file: RemoteObject; skip: SkipReason | null }[]> {
  let existing = new Set<string>();
  if (job.importMode === "new_only" && files.length) {
    const keys = files.map((f) => sourceKeyOf(job.indexId, job.connectorId, f.path, f.version));
    const rows = await db.video.findMany({ where: { sourceKey: { in: keys } }, select: { sourceKey: true } });
    existing = new Set(rows.map((r) => r.sourceKey!));
  }
  return files.map((file) => {
    let skip: SkipReason | null = null;
    if (!mediaTypeOf(file.path)) skip = "unsupported_media_type";
    else if (file.size === 0) skip = "empty_file";
    else if (file.size > importSettings.maxFileBytes) skip = "too_large";
    else if (existing.has(sourceKeyOf(job.indexId, job.connectorId, file.path, file.version))) skip = "already_imported";
    return { file, skip };
  });
}
