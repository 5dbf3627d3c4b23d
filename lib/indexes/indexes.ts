import type { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ApiError } from "@/lib/api/errors";
import { iso } from "@/lib/api/serialize";
import { pageByIdDesc } from "@/lib/api/pagination";
import type { Index } from "@/lib/generated/prisma/client";
import { CreateIndexBody, UpdateIndexBody, type IndexObject } from "./schemas";

export function toIndexDto(i: Index): z.infer<typeof IndexObject> {
  return {
    index_id: i.id,
    name: i.name,
    description: i.description,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
  };
}

export async function createIndex(workspaceId: string, input: z.input<typeof CreateIndexBody>) {
  const data = CreateIndexBody.parse(input);
  return db.index.create({ data: { id: newId("idx"), workspaceId, name: data.name, description: data.description ?? null } });
}

export async function listIndexes(workspaceId: string, limit: number, cursor?: string) {
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.index.findMany({ where: { workspaceId, ...(beforeId ? { id: { lt: beforeId } } : {}) }, orderBy: { id: "desc" }, take }),
  );
}

export async function getIndex(workspaceId: string, indexId: string) {
  const row = await db.index.findFirst({ where: { id: indexId, workspaceId } });
  if (!row) throw ApiError.notFound("index_not_found", "index", indexId);
  return row;
}

export async function updateIndex(workspaceId: string, indexId: string, input: z.input<typeof UpdateIndexBody>) {
  const data = UpdateIndexBody.parse(input);
  await getIndex(workspaceId, indexId);
  return db.index.update({
    where: { id: indexId },
    data: { ...(data.name !== undefined ? { name: data.name } : {}), ...(data.description !== undefined ? { description: data.description } : {}) },
  });
}

export async function deleteIndex(workspaceId: string, indexId: string) {
  const r = await db.index.deleteMany({ where: { id: indexId, workspaceId } });
  if (r.count === 0) throw ApiError.notFound("index_not_found", "index", indexId);
}
