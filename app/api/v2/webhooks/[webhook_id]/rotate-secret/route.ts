import { handle } from "@/lib/api/handler";
import { rotateWebhookSecretOp } from "@/lib/api/operations/webhooks";
import { rotateWebhookSecret } from "@/lib/webhooks/create-webhook";

export const POST = handle(rotateWebhookSecretOp, async ({ workspaceId, params }) => ({
  body: await rotateWebhookSecret(workspaceId, params.webhook_id),
}));
