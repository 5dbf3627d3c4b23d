import { handle } from "@/lib/api/handler";
import { createWebhookOp, listWebhooksOp } from "@/lib/api/operations/webhooks";
import { createWebhook } from "@/lib/webhooks/create-webhook";
import { toWebhookDto } from "@/lib/webhooks/dto";
import { listWebhooks } from "@/lib/webhooks/webhooks";

export const POST = handle(createWebhookOp, async ({ workspaceId, body }) => {
  const { webhook, secret } = await createWebhook(workspaceId, body);
  return { body: { ...toWebhookDto(webhook), secret } };
});

export const GET = handle(listWebhooksOp, async ({ workspaceId, query }) => {
  const page = await listWebhooks(workspaceId, query.limit, query.cursor);
  return { body: page.items.map(toWebhookDto), nextCursor: page.nextCursor };
});
