import type { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import type { WebhookRow } from "./dto";
import type { CreateWebhookBody } from "./schemas";
import { newWebhookSecret, sealWebhookSecret } from "./sealing";
import { assertIndexesExist, getWebhook, guardWebhookUrl, PUBLIC_WEBHOOK_FIELDS } from "./webhooks";

/** Creates an active webhook; the signing secret is returned here once and only sealed at rest. */
export async function createWebhook(workspaceId: string, input: z.infer<typeof CreateWebhookBody>): Promise<{ webhook: WebhookRow; secret: string }> {
  const url = await guardWebhookUrl(input.url);
  await assertIndexesExist(workspaceId, input.index_ids);
  const id = newId("wh");
  const secret = newWebhookSecret();
  const webhook = await db.webhook.create({
    data: {
      id, workspaceId, name: input.name, url, events: input.events, indexIds: input.index_ids ?? [],
      metadata: input.metadata as object, status: "active", sealedSecret: sealWebhookSecret(id, secret),
    },
    select: PUBLIC_WEBHOOK_FIELDS,
  });
  return { webhook, secret };
}

/** A new signing secret, effective for every attempt made from now on; the old one stops working at once. */
export async function rotateWebhookSecret(workspaceId: string, webhookId: string): Promise<{ webhook_id: string; new_secret: string }> {
  const current = await getWebhook(workspaceId, webhookId);
  const secret = newWebhookSecret();
  await db.webhook.updateMany({ where: { id: current.id, workspaceId }, data: { sealedSecret: sealWebhookSecret(current.id, secret) } });
  return { webhook_id: current.id, new_secret: secret };
}
