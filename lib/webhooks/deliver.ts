import { db } from "@/lib/db";
import { iso } from "@/lib/api/serialize";
import { defineJob, defineMaintenance } from "@/lib/jobs/registry";
import { enqueue, getBoss } from "@/lib/jobs/queue";
import { logger } from "@/lib/logger";
import type { WebhookDelivery } from "@/lib/generated/prisma/client";
import { unsealWebhookSecret } from "./sealing";
import { postWebhook, signPayload, type SendResult } from "./send";
import { MAX_DELAY_FACTOR, webhookSettings } from "./settings";

export const WEBHOOK_API_VERSION = "v2";

// Delivery: one queue job per attempt, carrying the attempt number it makes. The job's own outcome is
// always "done" for an HTTP failure: the retry is a new job scheduled (in the same transaction that
// records the failure) at next_attempt_at, so the schedule is ours and visible on the delivery row.
// pg-boss's retries only cover a crashed or erroring run, which repeats the same attempt number.
// Duplicate runs of one attempt (at-least-once queue) may both POST (same X-Delivery-ID: receivers
// de-duplicate on it), but only the first to finish records the attempt and schedules the next.

export type AttemptOptions = {
  /** Backoff base (default GANTRY_WEBHOOK_RETRY_BASE_MS). */
  retryBaseMs?: number;
  now?: () => Date;
  random?: () => number;
  signal?: AbortSignal;
};

export type AttemptOutcome = SendResult & { recorded: boolean; finalStatus: "pending" | "succeeded" | "failed" };

/** Delay after failed attempt n (1-based): base·2^(n−1), at most base·360, ±20 % jitter. */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const nominal = Math.min(baseMs * 2 ** Math.min(attempt - 1, 30), baseMs * MAX_DELAY_FACTOR);
  return Math.round(nominal * (0.8 + 0.4 * random()));
}

export const deliverWebhook = defineJob<{ deliveryId: string; attempt: number }>(
  "webhooks.deliver",
  async ({ deliveryId, attempt }, { signal }) => {
    await attemptDelivery(deliveryId, attempt, { signal });
  },
  { retryLimit: 5, retryDelay: 30, expireInSeconds: Math.ceil(webhookSettings.timeoutMs / 1000) + 60, concurrency: 8 },
);

/** A pending delivery this long past its due time has lost its queue job (a crash between steps). */
export const STALLED_DELIVERY_MS = 10 * 60_000;

/**
 * Re-enqueues the next attempt of deliveries still pending well after they were due (their job was
 * lost, or gave up after its own retries). Each is claimed once per sweep window: its next_attempt_at
 * moves on by STALLED_DELIVERY_MS in the claiming statement, so concurrent sweeps never both take it;
 * a crash after the claim only delays it to the next window. Should the original job still run, the
 * attempt guard records the attempt once (receivers dedupe on X-Delivery-ID, as for any retry).
 */
export async function sweepStalledDeliveries(now: Date = new Date()): Promise<string[]> {
  const cutoff = new Date(now.getTime() - STALLED_DELIVERY_MS);
  const claimed = await db.$queryRaw<{ id: string; attempts: number }[]>`
    UPDATE webhook_deliveries d SET next_attempt_at = ${new Date(now.getTime() + STALLED_DELIVERY_MS)}, updated_at = now()
    WHERE d.id IN (
      SELECT id FROM webhook_deliveries
      WHERE status = 'pending' AND next_attempt_at < ${cutoff}
      ORDER BY next_attempt_at LIMIT 100 FOR UPDATE SKIP LOCKED
    )
    RETURNING d.id, d.attempts`;
  for (const d of claimed) await enqueue(deliverWebhook, { deliveryId: d.id, attempt: Number(d.attempts) + 1 });
  if (claimed.length) logger.warn("re-enqueued stalled webhook deliveries", { count: claimed.length });
  return claimed.map((d) => d.id);
}

defineMaintenance("webhooks.stalled-deliveries", "webhooks.deliver", sweepStalledDeliveries);

/** The exact body POSTed for a delivery: the same bytes on every attempt. */
export async function deliveryPayload(d: Pick<WebhookDelivery, "id" | "webhookId" | "eventId" | "eventType" | "createdAt">): Promise<string | null> {
  if (!d.eventId) {
    return JSON.stringify({
      id: d.id, event: d.eventType, api_version: WEBHOOK_API_VERSION, created_at: iso(d.createdAt),
      data: { webhook_id: d.webhookId, message: "This is a test delivery from Gantry." },
    });
  }
  const event = await db.event.findUnique({ where: { id: d.eventId } });
  if (!event) return null;
  return JSON.stringify({ id: d.id, event: event.type, api_version: WEBHOOK_API_VERSION, created_at: iso(event.createdAt), data: event.data });
}

/**
 * Makes attempt number `attempt` of a delivery and records it. Returns null when there is nothing to
 * do (delivery gone, finished, or this attempt already recorded by another run).
 */
export async function attemptDelivery(deliveryId: string, attempt: number, opts: AttemptOptions = {}): Promise<AttemptOutcome | null> {
  const now = opts.now ?? (() => new Date());
  const d = await db.webhookDelivery.findUnique({ where: { id: deliveryId } });
  if (!d || d.status !== "pending" || d.attempts >= attempt) return null;
  const webhook = await db.webhook.findUnique({ where: { id: d.webhookId } });
  if (!webhook) return null;
  const isTest = d.eventId === null;

  let result: SendResult;
  if (!isTest && webhook.status !== "active") {
    // Paused or disabled meanwhile: stop here, without contacting the receiver (retry it once active).
    result = { ok: false, statusCode: null, body: null, error: `webhook is ${webhook.status}`, durationMs: 0 };
    return record(d, d.attempts, result, { final: true, countsForWebhook: false, now: now() }, opts);
  }
  const body = await deliveryPayload(d);
  if (body === null) {
    result = { ok: false, statusCode: null, body: null, error: "the event no longer exists", durationMs: 0 };
    return record(d, d.attempts, result, { final: true, countsForWebhook: false, now: now() }, opts);
  }
  const secret = unsealWebhookSecret(webhook.id, webhook.sealedSecret);
  result = await postWebhook(webhook.url, body, {
    "content-type": "application/json",
    "user-agent": "Gantry-Webhooks/1",
    "x-webhook-signature": signPayload(secret, body),
    "x-webhook-id": webhook.id,
    "x-delivery-id": d.id,
    "x-event-type": d.eventType,
    "x-delivery-attempt": String(attempt),
  }, { timeoutMs: webhookSettings.timeoutMs, signal: opts.signal });
  const final = result.ok || d.manual || attempt >= webhookSettings.maxAttempts;
  return record(d, attempt, result, { final, countsForWebhook: !isTest, now: now() }, opts);
}

async function record(
  d: WebhookDelivery,
  attempt: number,
  result: SendResult,
  how: { final: boolean; countsForWebhook: boolean; now: Date },
  opts: AttemptOptions,
): Promise<AttemptOutcome> {
  const { final, now } = how;
  const status = result.ok ? "succeeded" : final ? "failed" : "pending";
  const next = final ? null : new Date(now.getTime() + retryDelayMs(attempt, opts.retryBaseMs ?? webhookSettings.retryBaseMs, opts.random));
  if (next) await getBoss(); // the queue must be up before a transaction enqueues through it
  const recorded = await db.$transaction(async (tx) => {
    const won = await tx.webhookDelivery.updateMany({
      where: { id: d.id, status: "pending", attempts: d.attempts },
      data: {
        status, attempts: attempt, responseStatusCode: result.statusCode, responseBody: result.body, error: result.error,
        durationMs: result.durationMs, lastAttemptAt: attempt > d.attempts ? now : d.lastAttemptAt, nextAttemptAt: next,
        completedAt: final ? now : null,
      },
    });
    if (won.count !== 1) return false; // another run recorded this attempt first
    if (next) await enqueue(deliverWebhook, { deliveryId: d.id, attempt: attempt + 1 }, { startAfter: next, db: tx });
    if (how.countsForWebhook && result.ok) {
      await tx.webhook.updateMany({ where: { id: d.webhookId }, data: { failureCount: 0, lastSuccessAt: now } });
    } else if (how.countsForWebhook) {
      // Consecutive failed attempts, counted atomically whatever runs in parallel; the 50th disables.
      await tx.$executeRaw`
        UPDATE webhooks SET failure_count = failure_count + 1, last_failure_at = ${now}, updated_at = ${now},
          status = CASE WHEN status = 'active' AND failure_count + 1 >= ${webhookSettings.disableAfterFailures} THEN 'disabled' ELSE status END
        WHERE id = ${d.webhookId}`;
    }
    return true;
  });
  if (recorded && !result.ok && final) logger.info("webhook delivery failed", { deliveryId: d.id, webhookId: d.webhookId, attempts: attempt, error: result.error });
  return { ...result, recorded, finalStatus: status };
}
