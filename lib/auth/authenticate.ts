import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { hashApiKey, isApiKeyFormat } from "@/lib/security/api-key";
import type { Principal } from "./principal";
import type { Scope } from "./scopes";
import { sessionFromCookies, sessionFromToken } from "./session";

const LAST_USED_RESOLUTION_MS = 60_000;

/** X-API-Key wins over Authorization: Bearer; the Bearer value may be an API key or a session token. */
export async function authenticateRequest(headers: Headers, now = new Date()): Promise<Principal> {
  const apiKeyHeader = headers.get("x-api-key")?.trim();
  if (apiKeyHeader) return authenticateApiKey(apiKeyHeader, now);

  const authz = headers.get("authorization");
  if (authz) {
    const match = /^Bearer\s+(.+)$/i.exec(authz.trim());
    if (!match) throw new ApiError("authentication_required", "Use X-API-Key or Authorization: Bearer <token>.");
    const token = match[1].trim();
    if (token.startsWith("sk_")) return authenticateApiKey(token, now);
    const session = await sessionFromToken(token);
    if (!session) throw new ApiError("authentication_invalid_api_key", "The bearer token is not a valid API key or session.");
    return session;
  }
  const session = await sessionFromCookies();
  if (session) return session;
  throw new ApiError("authentication_required", "Authentication required: send X-API-Key or sign in.");
}

export async function authenticateApiKey(key: string, now = new Date()): Promise<Principal> {
  if (!isApiKeyFormat(key)) throw new ApiError("authentication_invalid_api_key", "The API key is not valid.");
  const row = await db.apiKey.findUnique({ where: { keyHash: hashApiKey(key) } });
  if (!row) throw new ApiError("authentication_invalid_api_key", "The API key is not valid.");
  if (row.revokedAt) throw new ApiError("authentication_revoked_api_key", "The API key has been revoked.");
  if (row.expiresAt && row.expiresAt <= now) throw new ApiError("authentication_revoked_api_key", "The API key has expired.");
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Coarse on purpose: one write a minute per key, not one per request.
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return {
    kind: "api_key",
    workspaceId: row.workspaceId,
    apiKeyId: row.id,
    scopes: row.scopes as Scope[],
    credentialId: row.id,
  };
}
