import { createHash, randomBytes } from "node:crypto";

// API keys: `sk_live_` + 48 lowercase hex (24 random bytes, 192 bits). Only the hash and a short
// display prefix are stored; the key itself is shown once. A single fast SHA-256 is the right hash
// here: with 192 bits of entropy a key cannot be guessed, so a slow password hash would add only
// latency to every request, and a deterministic hash lets the key be looked up by an index.

export const API_KEY_PATTERN = /^sk_live_[0-9a-f]{48}$/;
const PREFIX_LENGTH = 14; // "sk_live_" + 6 hex

export interface GeneratedApiKey {
  /** The full key: return it to the user once, never store it. */
  key: string;
  /** Display prefix (`sk_live_` + 6 hex), safe to store and show. */
  prefix: string;
  /** Hex SHA-256 of the key, the stored lookup value. */
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function isApiKeyFormat(s: unknown): s is string {
  return typeof s === "string" && API_KEY_PATTERN.test(s);
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

export function generateApiKey(): GeneratedApiKey {
  const key = `sk_live_${randomBytes(24).toString("hex")}`;
  return { key, prefix: apiKeyPrefix(key), hash: hashApiKey(key) };
}
