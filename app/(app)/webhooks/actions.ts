"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { authedAction } from "@/lib/auth/authed-action";
import { parseWith } from "@/lib/api/body";
import { createWebhook, rotateWebhookSecret } from "@/lib/webhooks/create-webhook";
import { retryDelivery } from "@/lib/webhooks/deliveries";
import { CreateWebhookBody, PatchWebhookBody } from "@/lib/webhooks/schemas";
import { testWebhook } from "@/lib/webhooks/test-webhook";
import { deleteWebhook, updateWebhook } from "@/lib/webhooks/update-webhook";

// Form fields → the same bodies the API takes, validated by the same schemas and services.
function subscription(fd: FormData) {
  const scoped = fd.get("index_scope") === "some";
  return {
    name: String(fd.get("name") ?? ""),
    url: String(fd.get("url") ?? ""),
    events: fd.getAll("events").map(String),
    index_ids: scoped ? fd.getAll("index_ids").map(String) : null,
  };
}

const create = authedAction({ scope: "write", action: "webhooks.create", targetType: "webhook" }, async (p, fd: FormData) => {
  const { webhook, secret } = await createWebhook(p.workspaceId, parseWith(CreateWebhookBody, subscription(fd)));
  revalidatePath("/webhooks");
  return { data: { webhook_id: webhook.id, secret }, targetId: webhook.id };
});
export async function createWebhookAction(_prev: unknown, fd: FormData) {
  return create(fd);
}

const update = authedAction({ scope: "write", action: "webhooks.update", targetType: "webhook" }, async (p, fd: FormData) => {
  const id = String(fd.get("webhook_id"));
  await updateWebhook(p.workspaceId, id, parseWith(PatchWebhookBody, subscription(fd)));
  revalidatePath(`/webhooks/${id}`);
  return { data: null, targetId: id, message: "Saved." };
});
export async function updateWebhookAction(_prev: unknown, fd: FormData) {
  return update(fd);
}

const setStatus = authedAction({ scope: "write", action: "webhooks.update", targetType: "webhook" }, async (p, id: string, status: string) => {
  await updateWebhook(p.workspaceId, id, parseWith(PatchWebhookBody, { status }));
  revalidatePath(`/webhooks/${id}`);
  return { data: null, targetId: id };
});
export async function setWebhookStatusAction(fd: FormData) {
  await setStatus(String(fd.get("webhook_id")), String(fd.get("status")));
}

const rotate = authedAction({ scope: "write", action: "webhooks.rotate_secret", targetType: "webhook" }, async (p, id: string) => {
  const r = await rotateWebhookSecret(p.workspaceId, id);
  return { data: { secret: r.new_secret }, targetId: id };
});
export async function rotateWebhookSecretAction(_prev: unknown, fd: FormData) {
  return rotate(String(fd.get("webhook_id")));
}

const test = authedAction({ scope: "write", action: "webhooks.test", targetType: "webhook", costly: true }, async (p, id: string) => {
  const r = await testWebhook(p.workspaceId, id);
  revalidatePath(`/webhooks/${id}`);
  return { data: r, targetId: id };
});
export async function testWebhookAction(_prev: unknown, fd: FormData) {
  return test(String(fd.get("webhook_id")));
}

const retry = authedAction({ scope: "write", action: "webhooks.deliveries.retry", targetType: "webhook_delivery" }, async (p, id: string) => {
  const d = await retryDelivery(p.workspaceId, id);
  revalidatePath(`/webhooks/${d.webhookId}`);
  return { data: null, targetId: id, message: "Retry queued." };
});
export async function retryDeliveryAction(_prev: unknown, fd: FormData) {
  return retry(String(fd.get("delivery_id")));
}

const remove = authedAction({ scope: "admin", action: "webhooks.delete", targetType: "webhook" }, async (p, id: string) => {
  await deleteWebhook(p.workspaceId, id);
  revalidatePath("/webhooks");
  return { data: null, targetId: id };
});
export async function deleteWebhookAction(_prev: unknown, fd: FormData) {
  const result = await remove(String(fd.get("webhook_id")));
  // Outside authedAction (redirect throws); the page being left no longer exists.
  if (result?.ok) redirect("/webhooks");
  return result;
}
