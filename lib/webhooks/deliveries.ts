import type { z } from "zod";
import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { pageByIdDesc } from "@/lib/api/pagination";
import { enqueue, getBoss } from "@/lib/jobs/queue";
import { deliverWebhook } from "./deliver";
import type { DeliveryListQuery } from "./schemas";
import { getWebhook } from "./webhooks";

export async function getDelivery(workspaceId: string, deliveryId: string) {
  const row = await db.webhookDelivery.findFirst({ where: { id: deliveryId, workspaceId } });
  if (!row) throw ApiError.notFound("delivery_not_found", "delivery", deliveryId);
  return row;
}

export async function listDeliveries(workspaceId: string, webhookId: string, q: z.infer<typeof DeliveryListQuery>) {
  await getWebhook(workspaceId, webhookId);
  return pageByIdDesc(q.limit, q.cursor, (take, beforeId) =>
    db.webhookDelivery.findMany({
      where: { workspaceId, webhookId, ...(q.status ? { status: q.status } : {}), ...(beforeId ? { id: { lt: beforeId } } : {}) },
      orderBy: { id: "desc" },
      take,
    }),
  );
}

/**
 * Sends a delivery now, with the same id and payload. A finished one (failed or succeeded) gets one more
 * attempt and no automatic retries after it. A pending one gets its next attempt now instead of at
 * next_attempt_at; if that fails, its schedule goes on (the job that was due later finds the attempt
 * recorded and does nothing). This is also how a delivery whose queue job was lost is sent again.
 */
export async function retryDelivery(workspaceId: string, deliveryId: string) {
  const d = await getDelivery(workspaceId, deliveryId);
  const webhook = await getWebhook(workspaceId, d.webhookId);
  if (d.eventId !== null && webhook.status !== "active") {
    throw new ApiError("invalid_state_transition", `Webhook ${webhook.id} is ${webhook.status}; make it active to retry its deliveries.`);
  }
  await getBoss();
  const now = new Date();
  await db.$transaction(async (tx) => {
    const won = await tx.webhookDelivery.updateMany({
      where: { id: d.id, workspaceId, status: d.status, attempts: d.attempts },
      data: d.status === "pending" ? { nextAttemptAt: now } : { status: "pending", manual: true, nextAttemptAt: now, completedAt: null },
    });
    if (won.count !== 1) throw new ApiError("invalid_state_transition", `Delivery ${d.id} changed meanwhile; try again.`);
    await enqueue(deliverWebhook, { deliveryId: d.id, attempt: d.attempts + 1 }, { db: tx });
  });
  return getDelivery(workspaceId, deliveryId);
}
