import { db, sql } from "@/lib/db";
import { consumeRateLimits, maybeSweepRateLimits, rateResults, rateWindow, type RateClass, type RateLimitResult } from "@/lib/api/rate-limit";
import { ApiError } from "@/lib/api/errors";
import { hashApiKey, isApiKeyFormat } from "@/lib/security/api-key";
import type { Principal } from "./principal";
import type { Scope } from "./scopes";
import { sessionFromCookies, sessionFromToken } from "./session";

const LAST_USED_RESOLUTION_MS = 60_000;

type Credential = { kind: "api_key"; key: string } | { kind: "token"; token: string } | { kind: "cookies" };

/** X-API-Key wins over Authorization: Bearer; the Bearer value may be an API key or a session token. */
function credentialOf(headers: Headers): Credential {
  const apiKeyHeader = headers.get("x-api-key")?.trim();
  if (apiKeyHeader) return { kind: "api_key", key: apiKeyHeader };
  const authz = headers.get("authorization");
  if (!authz) return { kind: "cookies" };
  const match = /^Bearer\s+(.+)$/i.exec(authz.trim());
  if (!match) throw new ApiError("authentication_required", "Use X-API-Key or Authorization: Bearer <token>.");
  const token = match[1].trim();
  return token.startsWith("sk_") ? { kind: "api_key", key: token } : { kind: "token", token };
}

async function sessionOf(c: Exclude<Credential, { kind: "api_key" }>): Promise<Principal> {
  if (c.kind === "token") {
    const session = await sessionFromToken(c.token);
    if (!session) throw new ApiError("authentication_invalid_api_key", "The bearer token is not a valid API key or session.");
    return session;
  }
  const session = await sessionFromCookies();
  if (session) return session;
  throw new ApiError("authentication_required", "Authentication required: send X-API-Key or sign in.");
}

export async function authenticateRequest(headers: Headers, now = new Date()): Promise<Principal> {
  const c = credentialOf(headers);
  return c.kind === "api_key" ? (await authenticateApiKey(c.key, [], now)).principal : sessionOf(c);
}

/**
 * Authenticates the request and counts it against the caller's rate-limit budgets (`classes`). For an
 * API key both happen in one statement (a request's hot path: one database round trip instead of two);
 * a revoked, expired or unknown key counts against nothing. Sessions count after authentication.
 */
export async function authenticateAndLimit(headers: Headers, classes: RateClass[], now = new Date()): Promise<{ principal: Principal; limits: RateLimitResult[] }> {
  const c = credentialOf(headers);
  if (c.kind === "api_key") return authenticateApiKey(c.key, classes, now);
  const principal = await sessionOf(c);
  return { principal, limits: await consumeRateLimits(principal.credentialId, classes, now) };
}

type KeyRow = { id: string; workspace_id: string; scopes: string[] | null; revoked: boolean; expired: boolean; stale: boolean; buckets: { key: string; count: number }[] };

export async function authenticateApiKey(key: string, classes: RateClass[] = [], now = new Date()): Promise<{ principal: Principal; limits: RateLimitResult[] }> {
  if (!isApiKeyFormat(key)) throw new ApiError("authentication_invalid_api_key", "The API key is not valid.");
  // Bucket keys need the key's id, which this statement finds: "<class>:<id>:<window start>", as in rateWindow().
  const { windowStart, resetAt } = rateWindow("", [], now);
  // Timestamps go in as UTC text cast to TIMESTAMP (Prisma's DateTime columns hold UTC wall time).
  const [row] = await sql<KeyRow>(
    `WITH k AS (
       SELECT id, workspace_id, scopes, revoked_at IS NOT NULL AS revoked,
              (expires_at IS NOT NULL AND expires_at <= $2::timestamp) AS expired,
              (last_used_at IS NULL OR last_used_at < $3::timestamp) AS stale
       FROM api_keys WHERE key_hash = $1),
     b AS (
       INSERT INTO rate_limit_buckets (key, count, reset_at)
       SELECT c || ':' || k.id || ':' || $4, 1, $5::timestamp FROM k, unnest($6::text[]) AS c
       WHERE NOT k.revoked AND NOT k.expired
       ON CONFLICT (key) DO UPDATE SET count = rate_limit_buckets.count + 1
       RETURNING key, count)
     SELECT k.*, (SELECT coalesce(json_agg(json_build_object('key', b.key, 'count', b.count)), '[]'::json) FROM b) AS buckets FROM k`,
    [hashApiKey(key), now.toISOString(), new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString(), String(windowStart), resetAt.toISOString(), classes],
  );
  if (!row) throw new ApiError("authentication_invalid_api_key", "The API key is not valid.");
  if (row.revoked) throw new ApiError("authentication_revoked_api_key", "The API key has been revoked.");
  if (row.expired) throw new ApiError("authentication_revoked_api_key", "The API key has expired.");
  if (row.stale) {
    // Coarse on purpose: one write a minute per key, not one per request.
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  if (classes.length) maybeSweepRateLimits(now);
  const keys = rateWindow(row.id, classes, now).keys;
  return {
    principal: { kind: "api_key", workspaceId: row.workspace_id, apiKeyId: row.id, scopes: (row.scopes ?? []) as Scope[], credentialId: row.id },
    limits: rateResults(classes, keys, resetAt, row.buckets),
  };
}
