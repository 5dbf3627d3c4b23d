import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { attemptDelivery } from "./deliver";
import { TEST_EVENT_TYPE } from "./schemas";
import { getWebhook } from "./webhooks";

/**
 * Sends a signed `webhook.test` delivery now, whatever the webhook's status, and answers how it went.
 * It is recorded like any delivery (one attempt, retriable by hand) but does not count towards the
 * webhook's failure count. A failed test is a result, not an error.
 */
export async function testWebhook(workspaceId: string, webhookId: string) {
  const webhook = await getWebhook(workspaceId, webhookId);
  const delivery = await db.webhookDelivery.create({
    data: { id: newId("dlv"), workspaceId, webhookId: webhook.id, eventId: null, eventType: TEST_EVENT_TYPE, manual: true, nextAttemptAt: new Date() },
  });
  const outcome = await attemptDelivery(delivery.id, 1);
  return {
    success: outcome?.ok ?? false,
    status_code: outcome?.statusCode ?? null,
    error: outcome ? outcome.error : "the test delivery could not be made",
    delivery_id: delivery.id,
  };
}
