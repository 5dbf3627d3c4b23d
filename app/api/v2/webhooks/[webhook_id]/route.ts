import { handle } from "@/lib/api/handler";
import { deleteWebhookOp, getWebhookOp, updateWebhookOp } from "@/lib/api/operations/webhooks";
import { toWebhookDto } from "@/lib/webhooks/dto";
import { deleteWebhook, updateWebhook } from "@/lib/webhooks/update-webhook";
import { getWebhook } from "@/lib/webhooks/webhooks";

export const GET = handle(getWebhookOp, async ({ workspaceId, params }) => ({
  body: toWebhookDto(await getWebhook(workspaceId, params.webhook_id)),
}));

export const PATCH = handle(updateWebhookOp, async ({ workspaceId, params, body }) => ({
  body: toWebhookDto(await updateWebhook(workspaceId, params.webhook_id, body)),
}));

export const DELETE = handle(deleteWebhookOp, async ({ workspaceId, params }) => {
  await deleteWebhook(workspaceId, params.webhook_id);
  return { body: { message: `Webhook ${params.webhook_id} deleted.` } };
});
