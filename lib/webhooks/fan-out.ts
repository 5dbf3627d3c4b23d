import { db, type Tx } from "@/lib/db";
import { newId } from "@/lib/ids";
import { defineJob } from "@/lib/jobs/registry";
import { enqueueMany, getBoss } from "@/lib/jobs/queue";
import { deliverWebhook } from "./deliver";

// Fan-out: recordEvent enqueues one `webhooks.fan-out` job in the same transaction that inserts the
// event (its caller's, or its own), so an event is never recorded without its fan-out, nor the other
// way round. The job creates one delivery per matching active webhook and enqueues their first
// attempts, again in one transaction. Deliveries are unique per (webhook, event): a fan-out that runs
// twice (at-least-once queue, several workers) creates and enqueues nothing twice.

export const fanOutEvent = defineJob<{ eventId: string }>(
  "webhooks.fan-out",
  async ({ eventId }) => {
    await fanOut(eventId);
  },
  { retryLimit: 10, retryDelay: 5, expireInSeconds: 120 },
);

/** True when some active webhook of the workspace wants this event type (index filters are applied later). */
export async function hasSubscribers(client: Tx | typeof db, workspaceId: string, type: string): Promise<boolean> {
  const hit = await client.webhook.findFirst({ where: { workspaceId, status: "active", events: { has: type } }, select: { id: true } });
  return hit !== null;
}

/** Creates the deliveries of one event; returns the ids created by this call. */
export async function fanOut(eventId: string): Promise<string[]> {
  const event = await db.event.findUnique({ where: { id: eventId } });
  if (!event) return [];
  const hooks = await db.webhook.findMany({
    where: {
      workspaceId: event.workspaceId, status: "active", events: { has: event.type },
      // No index filter (empty list = every index), or a filter naming the event's index.
      OR: [{ indexIds: { isEmpty: true } }, ...(event.indexId ? [{ indexIds: { has: event.indexId } }] : [])],
    },
    select: { id: true },
  });
  if (!hooks.length) return [];
  await getBoss();
  const now = new Date();
  return db.$transaction(async (tx) => {
    const created = await tx.webhookDelivery.createManyAndReturn({
      data: hooks.map((h) => ({
        id: newId("dlv"), workspaceId: event.workspaceId, webhookId: h.id, eventId: event.id, eventType: event.type, nextAttemptAt: now,
      })),
      skipDuplicates: true,
      select: { id: true },
    });
    if (created.length) await enqueueMany(deliverWebhook, created.map((c) => ({ deliveryId: c.id, attempt: 1 })), { db: tx });
    return created.map((c) => c.id);
  });
}
