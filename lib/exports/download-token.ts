import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/config/env";
import { ApiError } from "@/lib/api/errors";

// Signed download tokens: `v1.<payload>.<signature>`, payload = base64url(JSON {e: export id,
// w: workspace id, x: expiry in unix seconds}), signature = base64url(HMAC-SHA256(key, "v1.<payload>")).
// The key is GANTRY_DOWNLOAD_TOKEN_SECRET when set, else derived from AUTH_SECRET with HKDF (so rotating
// either invalidates every outstanding URL and nothing else shares the key).

type Payload = { e: string; w: string; x: number };

function signingKey(): Buffer {
  const dedicated = process.env.GANTRY_DOWNLOAD_TOKEN_SECRET;
  const ikm = dedicated && dedicated.length > 0 ? dedicated : env().AUTH_SECRET;
  return Buffer.from(hkdfSync("sha256", ikm, "gantry", "export-download-token v1", 32));
}

function sign(body: string): string {
  return createHmac("sha256", signingKey()).update(body).digest("base64url");
}

export function signDownloadToken(exportId: string, workspaceId: string, expiresAt: Date): string {
  const payload = Buffer.from(JSON.stringify({ e: exportId, w: workspaceId, x: Math.floor(expiresAt.getTime() / 1000) } satisfies Payload)).toString("base64url");
  const body = `v1.${payload}`;
  return `${body}.${sign(body)}`;
}

const SHAPE = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/**
 * Checks a token for the export named in the URL: shape, signature (constant time), expiry, binding.
 * 401 for a token that is malformed, forged or expired; 403 for a genuine token of another export.
 */
export function verifyDownloadToken(token: string, exportId: string, now = Date.now()): { workspaceId: string } {
  const m = token.length <= 2048 ? SHAPE.exec(token) : null;
  if (!m) throw new ApiError("download_token_invalid", "The download token is malformed.");
  const expected = Buffer.from(sign(`v1.${m[1]}`));
  const given = Buffer.from(m[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new ApiError("download_token_invalid", "The download token's signature does not match.");
  }
  let p: Payload;
  try {
    p = JSON.parse(Buffer.from(m[1], "base64url").toString("utf8")) as Payload;
  } catch {
    throw new ApiError("download_token_invalid", "The download token is malformed.");
  }
  if (typeof p?.x !== "number" || typeof p.e !== "string" || typeof p.w !== "string") {
    throw new ApiError("download_token_invalid", "The download token is malformed.");
  }
  if (p.x * 1000 <= now) throw new ApiError("download_token_expired", "The download URL has expired; ask for a new one.");
  if (p.e !== exportId) throw new ApiError("download_token_mismatch", "This download token belongs to another export.");
  return { workspaceId: p.w };
}
