import { z } from "zod";
import { defineOperation } from "../operation";
import { ArrayListQuery } from "../pagination";
import {
  CreatedWebhookObject, CreateWebhookBody, DeliveryListQuery, DeliveryObject, EventTypeList, PatchWebhookBody, RotateSecretResult,
  WebhookObject, WebhookTestResult,
} from "@/lib/webhooks/schemas";
import { MessageResponse } from "./common";

const base = { tag: "webhooks", auditTarget: "webhook" };
const deliveries = { tag: "webhooks", auditTarget: "webhook_delivery" };

export const createWebhookOp = defineOperation({
  ...base, id: "webhooks.create", method: "POST", path: "/webhooks", scope: "write", status: 201, body: CreateWebhookBody,
  response: CreatedWebhookObject, summary: "Create a webhook. The answer carries the signing `secret`, shown only this once.",
});
export const listWebhooksOp = defineOperation({
  ...base, id: "webhooks.list", method: "GET", path: "/webhooks", scope: "read", query: ArrayListQuery, list: "array",
  response: z.array(WebhookObject), summary: "List webhooks (newest first).",
});
export const listWebhookEventsOp = defineOperation({
  ...base, id: "webhooks.events", method: "GET", path: "/webhooks/events", scope: "none", response: EventTypeList,
  summary: "The event types a webhook can subscribe to (no authentication).",
});
export const getWebhookOp = defineOperation({
  ...base, id: "webhooks.get", method: "GET", path: "/webhooks/{webhook_id}", scope: "read", response: WebhookObject,
  summary: "Get a webhook.",
});
export const updateWebhookOp = defineOperation({
  ...base, id: "webhooks.update", method: "PATCH", path: "/webhooks/{webhook_id}", scope: "write", body: PatchWebhookBody,
  response: WebhookObject, summary: "Update a webhook; `status` pauses or (re-)activates it.",
});
export const deleteWebhookOp = defineOperation({
  ...base, id: "webhooks.delete", method: "DELETE", path: "/webhooks/{webhook_id}", scope: "admin", response: MessageResponse,
  summary: "Delete a webhook and its delivery history.",
});
export const rotateWebhookSecretOp = defineOperation({
  ...base, id: "webhooks.rotate_secret", method: "POST", path: "/webhooks/{webhook_id}/rotate-secret", scope: "write",
  response: RotateSecretResult, summary: "Replace the signing secret; the new one is shown only this once.",
});
export const testWebhookOp = defineOperation({
  ...base, id: "webhooks.test", method: "POST", path: "/webhooks/{webhook_id}/test", scope: "write", rateClass: "costly",
  response: WebhookTestResult, summary: "Send a signed `webhook.test` delivery now (a failed test is a 200 with success false).",
});
export const listDeliveriesOp = defineOperation({
  ...deliveries, id: "webhooks.deliveries.list", method: "GET", path: "/webhooks/{webhook_id}/deliveries", scope: "read",
  query: DeliveryListQuery, list: "array", response: z.array(DeliveryObject), summary: "List a webhook's deliveries (newest first).",
});
export const getDeliveryOp = defineOperation({
  ...deliveries, id: "webhooks.deliveries.get", method: "GET", path: "/webhooks/deliveries/{delivery_id}", scope: "read",
  response: DeliveryObject, summary: "Get a delivery with its last attempt's outcome.",
});
export const retryDeliveryOp = defineOperation({
  ...deliveries, id: "webhooks.deliveries.retry", method: "POST", path: "/webhooks/deliveries/{delivery_id}/retry", scope: "write",
  response: DeliveryObject, errors: ["invalid_state_transition"],
  summary: "Send a delivery now (same delivery id and payload): once more if finished, its next attempt now if pending.",
});
