import { z } from "zod";
import { EVENT_TYPES } from "@/lib/events/event-types";

export const WEBHOOK_STATUSES = ["active", "paused", "disabled"] as const;
export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
/** X-Event-Type of the deliveries made by POST /webhooks/{id}/test (not a subscribable event). */
export const TEST_EVENT_TYPE = "webhook.test";

const name = z.string().trim().min(1, "must be 1–100 characters").max(100, "must be 1–100 characters");
const url = z.string().trim().url("must be an absolute https:// URL").max(2048, "must be at most 2048 characters");
const events = z
  .array(z.enum(EVENT_TYPES, { error: `must be one of the types listed by GET /webhooks/events` }))
  .min(1, "must name at least one event type")
  .max(EVENT_TYPES.length)
  .transform((v) => [...new Set(v)]);
const indexIds = z
  .array(z.string().regex(/^idx_[0-9a-z]{26}$/, "must be an index id (idx_…)"))
  .min(1, "must name at least one index, or be null for every index")
  .max(100, "at most 100 indexes")
  .transform((v) => [...new Set(v)])
  .nullable();
const metadata = z
  .record(z.string().min(1).max(64), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 4096, "must serialise to at most 4096 characters");

export const CreateWebhookBody = z
  .object({ name, url, events, index_ids: indexIds.default(null), metadata: metadata.default({}) })
  .strict();

export const PatchWebhookBody = z
  .object({
    name: name.optional(),
    url: url.optional(),
    events: events.optional(),
    index_ids: indexIds.optional(),
    metadata: metadata.optional(),
    status: z.enum(["active", "paused"], { error: "must be active or paused" }).optional(),
  })
  .strict();

export const WebhookObject = z.object({
  webhook_id: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  index_ids: z.array(z.string()).nullable(),
  metadata: z.record(z.string(), z.unknown()),
  status: z.enum(WEBHOOK_STATUSES),
  failure_count: z.number().int(),
  last_failure_at: z.string().nullable(),
  last_success_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export const CreatedWebhookObject = WebhookObject.extend({ secret: z.string() });

export const RotateSecretResult = z.object({ webhook_id: z.string(), new_secret: z.string() });
export const WebhookTestResult = z.object({
  success: z.boolean(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  /** (+) The delivery recorded for the test, visible in the deliveries list. */
  delivery_id: z.string(),
});

export const EventTypeObject = z.object({ type: z.enum(EVENT_TYPES), description: z.string() });
export const EventTypeList = z.object({ events: z.array(EventTypeObject) });

export const DeliveryObject = z.object({
  delivery_id: z.string(),
  webhook_id: z.string(),
  event_id: z.string().nullable(),
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  response_status_code: z.number().int().nullable(),
  response_body: z.string().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_attempt_at: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});

export const DeliveryListQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
