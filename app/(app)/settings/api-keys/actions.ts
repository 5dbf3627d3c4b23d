"use server";

import { revalidatePath } from "next/cache";
import { authedAction } from "@/lib/auth/authed-action";
import { createApiKey, deleteApiKey, revokeApiKey, rotateApiKey } from "@/lib/api-keys/api-keys";
import { CreateApiKeyBody } from "@/lib/api-keys/schemas";
import { parseWith } from "@/lib/api/body";

const userOf = (p: { kind: string; userId?: string }) => (p.kind === "session" ? p.userId ?? null : null);

const create = authedAction({ scope: "admin", action: "api_keys.create", targetType: "api_key" }, async (p, fd: FormData) => {
  const days = fd.get("expires_in_days");
  const input = parseWith(CreateApiKeyBody, {
    name: fd.get("name"),
    scopes: fd.getAll("scopes").length ? fd.getAll("scopes") : undefined,
    expires_in_days: typeof days === "string" && days !== "" ? Number(days) : undefined,
  });
  const created = await createApiKey(p.workspaceId, input, userOf(p));
  revalidatePath("/settings/api-keys");
  return { data: { key: created.key, key_id: created.key_id, name: created.name }, targetId: created.key_id };
});
export async function createApiKeyAction(_prev: unknown, fd: FormData) {
  return create(fd);
}

const rotate = authedAction({ scope: "admin", action: "api_keys.rotate", targetType: "api_key" }, async (p, keyId: string) => {
  const r = await rotateApiKey(p.workspaceId, keyId, userOf(p));
  revalidatePath("/settings/api-keys");
  return { data: { key: r.new_key, key_id: r.new_key_id, name: "" }, targetId: keyId };
});
export async function rotateApiKeyAction(_prev: unknown, fd: FormData) {
  return rotate(String(fd.get("key_id")));
}

const revoke = authedAction({ scope: "admin", action: "api_keys.revoke", targetType: "api_key" }, async (p, keyId: string) => {
  await revokeApiKey(p.workspaceId, keyId);
  revalidatePath("/settings/api-keys");
  return { data: null, targetId: keyId };
});
export async function revokeApiKeyAction(fd: FormData) {
  await revoke(String(fd.get("key_id")));
}

const remove = authedAction({ scope: "admin", action: "api_keys.delete", targetType: "api_key" }, async (p, keyId: string) => {
  await deleteApiKey(p.workspaceId, keyId);
  revalidatePath("/settings/api-keys");
  return { data: null, targetId: keyId };
});
export async function deleteApiKeyAction(fd: FormData) {
  await remove(String(fd.get("key_id")));
}
