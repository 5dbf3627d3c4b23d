import type { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ApiError } from "@/lib/api/errors";
import { iso } from "@/lib/api/serialize";
import { pageByIdDesc } from "@/lib/api/pagination";
import { generateApiKey } from "@/lib/security/api-key";
import type { ApiKey } from "@/lib/generated/prisma/client";
import { CreateApiKeyBody, type ApiKeyObject } from "./schemas";

const DAY_MS = 86_400_000;

export function toApiKeyDto(k: ApiKey, now = new Date()): z.infer<typeof ApiKeyObject> {
  const status = k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt <= now ? "expired" : "active";
  return {
    key_id: k.id,
    name: k.name,
    key_prefix: k.keyPrefix,
    scopes: k.scopes as z.infer<typeof ApiKeyObject>["scopes"],
    status,
    created_at: iso(k.createdAt),
    expires_at: iso(k.expiresAt),
    last_used_at: iso(k.lastUsedAt),
    revoked_at: iso(k.revokedAt),
  };
}

/** The one way keys are minted (API, UI and CLI): the plaintext key is returned once, only a hash is kept. */
export async function createApiKey(workspaceId: string, input: CreateApiKeyBody, createdById: string | null, now = new Date()) {
  const data = CreateApiKeyBody.parse(input);
  const { key, prefix, hash } = generateApiKey();
  const row = await db.apiKey.create({
    data: {
      id: newId("key"),
      workspaceId,
      createdById,
      name: data.name,
      keyHash: hash,
      keyPrefix: prefix,
      scopes: [...new Set(data.scopes)],
      expiresAt: data.expires_in_days ? new Date(now.getTime() + data.expires_in_days * DAY_MS) : null,
    },
  });
  return { ...toApiKeyDto(row, now), key };
}

export async function listApiKeys(workspaceId: string, limit: number, cursor?: string) {
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.apiKey.findMany({
      where: { workspaceId, ...(beforeId ? { id: { lt: beforeId } } : {}) },
      orderBy: { id: "desc" },
      take,
    }),
  );
}

export async function getApiKey(workspaceId: string, keyId: string) {
  const row = await db.apiKey.findFirst({ where: { id: keyId, workspaceId } });
  if (!row) throw ApiError.notFound("api_key_not_found", "API key", keyId);
  return row;
}

export async function revokeApiKey(workspaceId: string, keyId: string, now = new Date()) {
  const row = await getApiKey(workspaceId, keyId);
  if (row.revokedAt) return row;
  return db.apiKey.update({ where: { id: row.id }, data: { revokedAt: now } });
}

export async function deleteApiKey(workspaceId: string, keyId: string) {
  const row = await getApiKey(workspaceId, keyId);
  await db.apiKey.delete({ where: { id: row.id } });
}

/** Rotation mints a replacement with the same name, scopes and remaining lifetime, and revokes the old key. */
export async function rotateApiKey(workspaceId: string, keyId: string, actorId: string | null, now = new Date()) {
  const old = await getApiKey(workspaceId, keyId);
  if (old.revokedAt) throw new ApiError("invalid_state_transition", "A revoked key cannot be rotated.");
  const { key, prefix, hash } = generateApiKey();
  const newKeyId = newId("key");
  await db.$transaction([
    db.apiKey.create({
      data: {
        id: newKeyId, workspaceId, createdById: actorId, name: old.name, keyHash: hash, keyPrefix: prefix,
        scopes: old.scopes, expiresAt: old.expiresAt,
      },
    }),
    db.apiKey.update({ where: { id: old.id }, data: { revokedAt: now, rotatedToId: newKeyId } }),
  ]);
  return { old_key_id: old.id, new_key: key, new_key_id: newKeyId };
}
