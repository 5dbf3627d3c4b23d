import type { z } from "zod";
import { iso } from "@/lib/api/serialize";
import type { Webhook, WebhookDelivery } from "@/lib/generated/prisma/client";
import type { DeliveryObject, WebhookObject } from "./schemas";

export type WebhookRow = Omit<Webhook, "sealedSecret">;

/** Explicit field list: the sealed secret column cannot reach a response by accident. */
export function toWebhookDto(w: WebhookRow): z.infer<typeof WebhookObject> {
  return {
    webhook_id: w.id,
    name: w.name,
    url: w.url,
    events: w.events,
    index_ids: w.indexIds.length ? w.indexIds : null,
    metadata: (w.metadata ?? {}) as Record<string, unknown>,
    status: w.status as z.infer<typeof WebhookObject>["status"],
    failure_count: w.failureCount,
    last_failure_at: iso(w.lastFailureAt),
    last_success_at: iso(w.lastSuccessAt),
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
  };
}

export function toDeliveryDto(d: WebhookDelivery): z.infer<typeof DeliveryObject> {
  return {
    delivery_id: d.id,
    webhook_id: d.webhookId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status as z.infer<typeof DeliveryObject>["status"],
    attempts: d.attempts,
    response_status_code: d.responseStatusCode,
    response_body: d.responseBody,
    error: d.error,
    duration_ms: d.durationMs,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    last_attempt_at: iso(d.lastAttemptAt),
    next_attempt_at: iso(d.nextAttemptAt),
    completed_at: iso(d.completedAt),
  };
}
