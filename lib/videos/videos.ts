import { z } from "zod";
import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { iso } from "@/lib/api/serialize";
import { logger } from "@/lib/logger";
import { mediaStore } from "@/lib/media/store";
import type { Video } from "@/lib/generated/prisma/client";

export const VideoObject = z.object({
  video_id: z.string(),
  index_id: z.string(),
  title: z.string(),
  video_uri: z.string(),
  media_type: z.enum(["video", "audio", "image"]),
  status: z.enum(["pending", "processing", "ready", "failed"]),
  duration_seconds: z.number().nullable(),
  size_bytes: z.number(),
  content_type: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  source: z.object({ connector_id: z.string().nullable(), path: z.string().nullable(), etag: z.string().nullable(), import_job_id: z.string().nullable() }).nullable(),
  checksum_sha256: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
export const BatchStatusBody = z.object({ video_ids: z.array(z.string().max(64)).min(1).max(100) }).strict();
export const BatchStatusResponse = z.array(z.object({ video_id: z.string(), status: z.string().nullable(), found: z.boolean() }));

export function toVideoDto(v: Video): z.infer<typeof VideoObject> {
  return {
    video_id: v.id,
    index_id: v.indexId,
    title: v.title,
    video_uri: v.videoUri,
    media_type: v.mediaType as "video" | "audio" | "image",
    status: v.status as "pending" | "processing" | "ready" | "failed",
    duration_seconds: v.durationSeconds,
    size_bytes: Number(v.sizeBytes),
    content_type: v.contentType,
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
    source: v.sourcePath ? { connector_id: v.sourceConnectorId, path: v.sourcePath, etag: v.sourceEtag, import_job_id: v.importJobId } : null,
    checksum_sha256: v.checksumSha256,
    metadata: (v.metadata as Record<string, unknown> | null) ?? null,
  };
}

export async function getVideo(workspaceId: string, videoId: string) {
  const v = await db.video.findFirst({ where: { id: videoId, workspaceId } });
  if (!v) throw ApiError.notFound("video_not_found", "video", videoId);
  return v;
}

/** Deletes the video and its bytes in the media store (the customer's source file is untouched). */
export async function deleteVideo(workspaceId: string, videoId: string) {
  const v = await getVideo(workspaceId, videoId);
  await db.video.delete({ where: { id: v.id } });
  await mediaStore().provider.remove(v.storageKey).catch((err) => logger.warn("media store delete failed", { videoId, err: String(err) }));
}

export async function batchVideoStatus(workspaceId: string, ids: string[]) {
  const rows = await db.video.findMany({ where: { workspaceId, id: { in: ids } }, select: { id: true, status: true } });
  const byId = new Map(rows.map((r) => [r.id, r.status]));
  return ids.map((id) => ({ video_id: id, status: byId.get(id) ?? null, found: byId.has(id) }));
}

export async function listIndexVideos(workspaceId: string, indexId: string, limit: number, cursor?: string) {
  const { pageByIdDesc } = await import("@/lib/api/pagination");
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.video.findMany({ where: { workspaceId, indexId, ...(beforeId ? { id: { lt: beforeId } } : {}) }, orderBy: { id: "desc" }, take }),
  );
}
