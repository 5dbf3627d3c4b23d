import type { z } from "zod";
import { db } from "@/lib/db";
import type { PatchWebhookBody } from "./schemas";
import { assertIndexesExist, getWebhook, guardWebhookUrl } from "./webhooks";

/**
 * PATCH: name, url (guarded again), events, index_ids, metadata, status. `active` also re-enables a
 * webhook disabled after failures, and starts its failure count afresh.
 */
export async function updateWebhook(workspaceId: string, webhookId: string, input: z.infer<typeof PatchWebhookBody>) {
  const current = await getWebhook(workspaceId, webhookId);
  const data: Record<string, unknown> = {};
  if (input.name !== undefined) data.name = input.name;
  if (input.url !== undefined) data.url = await guardWebhookUrl(input.url);
  if (input.events !== undefined) data.events = input.events;
  if (input.index_ids !== undefined) {
    await assertIndexesExist(workspaceId, input.index_ids);
    data.indexIds = input.index_ids ?? [];
  }
  if (input.metadata !== undefined) data.metadata = input.metadata;
  if (input.status !== undefined && input.status !== current.status) {
    data.status = input.status;
    if (input.status === "active") data.failureCount = 0;
  }
  await db.webhook.updateMany({ where: { id: current.id, workspaceId }, data });
  return getWebhook(workspaceId, webhookId);
}

/** Deletes the webhook and its delivery history; deliveries still queued find it gone and stop. */
export async function deleteWebhook(workspaceId: string, webhookId: string): Promise<void> {
  await getWebhook(workspaceId, webhookId);
  await db.webhook.deleteMany({ where: { id: webhookId, workspaceId } });
}
