import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { pageByIdDesc } from "@/lib/api/pagination";
import { guardUrl } from "@/lib/connectors/guard-endpoint";
import type { WebhookRow } from "./dto";

// Every read of webhooks for API responses omits the sealed secret.
export const PUBLIC_WEBHOOK_FIELDS = {
  id: true, workspaceId: true, name: true, url: true, events: true, indexIds: true, metadata: true, status: true,
  failureCount: true, lastFailureAt: true, lastSuccessAt: true, createdAt: true, updatedAt: true,
} as const;

export async function getWebhook(workspaceId: string, webhookId: string): Promise<WebhookRow> {
  const row = await db.webhook.findFirst({ where: { id: webhookId, workspaceId }, select: PUBLIC_WEBHOOK_FIELDS });
  if (!row) throw ApiError.notFound("webhook_not_found", "webhook", webhookId);
  return row;
}

export async function listWebhooks(workspaceId: string, limit: number, cursor?: string) {
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.webhook.findMany({
      where: { workspaceId, ...(beforeId ? { id: { lt: beforeId } } : {}) },
      select: PUBLIC_WEBHOOK_FIELDS,
      orderBy: { id: "desc" },
      take,
    }),
  );
}

/** The URL through the outbound guard (422 endpoint_not_allowed on `url`), kept exactly as normalised. */
export async function guardWebhookUrl(url: string): Promise<string> {
  return (await guardUrl(url, "url")).toString();
}

/** index_ids must name indexes of this workspace: 422 naming each unknown one. */
export async function assertIndexesExist(workspaceId: string, indexIds: string[] | null): Promise<void> {
  if (!indexIds?.length) return;
  const found = await db.index.findMany({ where: { workspaceId, id: { in: indexIds } }, select: { id: true } });
  const known = new Set(found.map((i) => i.id));
  const missing = indexIds.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
  if (missing.length) {
    throw ApiError.validation(missing.map(({ id, i }) => ({ field: `index_ids.${i}`, message: `no index ${id} in this workspace` })));
  }
}
