import type { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ApiError } from "@/lib/api/errors";
import { iso } from "@/lib/api/serialize";
import { pageByIdDesc } from "@/lib/api/pagination";
import { ACTIVE_IMPORT_STATUSES } from "@/lib/imports/statuses";
import { logger } from "@/lib/logger";
import type { Index } from "@/lib/generated/prisma/client";
import { CreateIndexBody, UpdateIndexBody, type IndexObject } from "./schemas";

type IndexWithCount = Index & { _count?: { videos: number } };

export function toIndexDto(i: IndexWithCount): z.infer<typeof IndexObject> {
  return {
    index_id: i.id,
    name: i.name,
    description: i.description,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    video_count: i._count?.videos ?? 0,
  };
}

const withCount = { _count: { select: { videos: true } } } as const;

export async function createIndex(workspaceId: string, input: z.input<typeof CreateIndexBody>) {
  const data = CreateIndexBody.parse(input);
  return db.index.create({ data: { id: newId("idx"), workspaceId, name: data.name, description: data.description ?? null }, include: withCount });
}

export async function listIndexes(workspaceId: string, limit: number, cursor?: string) {
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.index.findMany({ where: { workspaceId, ...(beforeId ? { id: { lt: beforeId } } : {}) }, orderBy: { id: "desc" }, take, include: withCount }),
  );
}

export async function getIndex(workspaceId: string, indexId: string) {
  const row = await db.index.findFirst({ where: { id: indexId, workspaceId }, include: withCount });
  if (!row) throw ApiError.notFound("index_not_found", "index", indexId);
  return row;
}

export async function updateIndex(workspaceId: string, indexId: string, input: z.input<typeof UpdateIndexBody>) {
  const data = UpdateIndexBody.parse(input);
  await getIndex(workspaceId, indexId);
  return db.index.update({
    include: withCount,
    where: { id: indexId },
    data: { ...(data.name !== undefined ? { name: data.name } : {}), ...(data.description !== undefined ? { description: data.description } : {}) },
  });
}

/** Deletes the index, its videos (cascade) and their bytes in the media store. */
export async function deleteIndex(workspaceId: string, indexId: string) {
  const active = await db.importJob.count({ where: { workspaceId, indexId, status: { in: ACTIVE_IMPORT_STATUSES } } });
  if (active) throw new ApiError("invalid_state_transition", `Index ${indexId} has ${active} running import job(s); cancel them first.`);
  const runs = await db.promptRun.count({ where: { workspaceId, indexId, status: { in: ["pending", "processing"] } } });
  if (runs) throw new ApiError("invalid_state_transition", `Index ${indexId} has ${runs} running prompt run(s); cancel them first.`);
  // The index's automations and prompt runs (with their results) go with it.
  const automations = await db.automation.findMany({ where: { workspaceId, indexId }, select: { id: true } });
  const [, , , r] = await db.$transaction([
    db.automationSeenFile.deleteMany({ where: { automationId: { in: automations.map((a) => a.id) } } }),
    db.automation.deleteMany({ where: { workspaceId, indexId } }),
    db.promptRun.deleteMany({ where: { workspaceId, indexId } }),
    db.index.deleteMany({ where: { id: indexId, workspaceId } }),
  ]);
  if (r.count === 0) throw ApiError.notFound("index_not_found", "index", indexId);
  await removeStoredMedia(`${workspaceId}/${indexId}/`).catch((err) => logger.warn("media cleanup failed", { indexId, err: String(err) }));
}

async function removeStoredMedia(prefix: string): Promise<void> {
  const { mediaStore } = await import("@/lib/media/store");
  const store = mediaStore().provider;
  let cursor: string | undefined;
  do {
    const page = await store.list({ prefix, cursor, pageSize: 1000 });
    for (const o of page.objects) await store.remove(o.path);
    cursor = page.cursor;
  } while (cursor);
}
