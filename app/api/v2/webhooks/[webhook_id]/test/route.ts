import { handle } from "@/lib/api/handler";
import { testWebhookOp } from "@/lib/api/operations/webhooks";
import { testWebhook } from "@/lib/webhooks/test-webhook";

export const POST = handle(testWebhookOp, async ({ workspaceId, params }) => ({
  body: await testWebhook(workspaceId, params.webhook_id),
}));
