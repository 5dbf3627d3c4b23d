import { z } from "zod";
import { defineOperation } from "../operation";
import { ArrayListQuery } from "../pagination";
import { ApiKeyObject, CreateApiKeyBody, CreatedApiKey, RotatedApiKey } from "@/lib/api-keys/schemas";
import { MessageResponse } from "./common";

const base = { tag: "api-keys", auth: "session" as const, scope: "admin" as const, auditTarget: "api_key" };

export const createApiKeyOp = defineOperation({
  ...base, id: "api_keys.create", method: "POST", path: "/api-keys", status: 201, body: CreateApiKeyBody,
  response: CreatedApiKey, summary: "Create an API key; the key is returned once.",
});
export const listApiKeysOp = defineOperation({
  ...base, id: "api_keys.list", method: "GET", path: "/api-keys", query: ArrayListQuery, list: "array",
  response: z.array(ApiKeyObject), summary: "List API keys (newest first).",
});
export const getApiKeyOp = defineOperation({
  ...base, id: "api_keys.get", method: "GET", path: "/api-keys/{key_id}", response: ApiKeyObject, summary: "Get an API key.",
});
export const deleteApiKeyOp = defineOperation({
  ...base, id: "api_keys.delete", method: "DELETE", path: "/api-keys/{key_id}", response: MessageResponse, summary: "Delete an API key.",
});
export const revokeApiKeyOp = defineOperation({
  ...base, id: "api_keys.revoke", method: "POST", path: "/api-keys/{key_id}/revoke", response: ApiKeyObject, summary: "Revoke an API key.",
});
export const rotateApiKeyOp = defineOperation({
  ...base, id: "api_keys.rotate", method: "POST", path: "/api-keys/{key_id}/rotate", response: RotatedApiKey,
  summary: "Mint a replacement key (same name, scopes, expiry) and revoke the old one.",
});
