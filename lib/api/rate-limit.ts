import { db, sql } from "@/lib/db";
import { logger } from "@/lib/logger";
import { env } from "@/lib/config/env";

export type RateClass = "default" | "costly";
export type RateLimitResult = { limit: number; remaining: number; resetAt: Date; allowed: boolean };

const WINDOW_MS = 60_000;

/** The window a request falls in, and the bucket keys it counts against ("<class>:<subject>:<window start>"). */
export function rateWindow(subject: string, classes: RateClass[], now = new Date()) {
  const windowStart = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
  return { windowStart, resetAt: new Date(windowStart + WINDOW_MS), keys: classes.map((c) => `${c}:${subject}:${windowStart}`) };
}

/** Results per class from the counts an upsert returned (a missing count reads as the first request). */
export function rateResults(classes: RateClass[], keys: string[], resetAt: Date, rows: { key: string; count: number | string }[]): RateLimitResult[] {
  const counts = new Map(rows.map((r) => [r.key, Number(r.count)]));
  return classes.map((c, i) => {
    const limit = c === "costly" ? env().GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE : env().GANTRY_RATE_LIMIT_PER_MINUTE;
    const count = counts.get(keys[i]) ?? 1;
    return { limit, remaining: Math.max(0, limit - count), resetAt, allowed: count <= limit };
  });
}

/** Deletes expired rate-limit windows and idempotency records (kept 24 h). */
export async function sweepRateLimits(now = new Date()): Promise<void> {
  await sql("DELETE FROM rate_limit_buckets WHERE reset_at < $1::timestamp", [new Date(now.getTime() - WINDOW_MS).toISOString()]);
  await sql("DELETE FROM idempotency_records WHERE expires_at <= $1::timestamp", [now.toISOString()]);
}

/**
 * The sweep, about one request in a hundred (no scheduler needed), in the background: the request that
 * draws it does not wait for two deletes (a failure is logged; the next draw sweeps again).
 */
export function maybeSweepRateLimits(now = new Date()): void {
  if (Math.random() >= 0.01) return;
  sweepRateLimits(now).catch((err) => logger.warn("rate-limit sweep failed", { err: String(err) }));
}

/**
 * Fixed one-minute windows counted in the database, so every web process shares the same budget.
 * One statement per request whatever the number of classes (an upsert of one row per class that returns
 * the new counts): safe on PostgreSQL and on the embedded single-session server alike. API-key requests
 * count in the authentication statement instead (lib/auth/authenticate.ts), with the same keys.
 */
export async function consumeRateLimits(subject: string, classes: RateClass[], now = new Date()): Promise<RateLimitResult[]> {
  const { resetAt, keys } = rateWindow(subject, classes, now);
  const rows = await db.$queryRaw<{ key: string; count: number }[]>`
    INSERT INTO rate_limit_buckets (key, count, reset_at)
    SELECT k, 1, ${resetAt} FROM unnest(${keys}::text[]) AS k
    ON CONFLICT (key) DO UPDATE SET count = rate_limit_buckets.count + 1
    RETURNING key, count`;
  maybeSweepRateLimits(now);
  return rateResults(classes, keys, resetAt, rows);
}

export async function consumeRateLimit(subject: string, rateClass: RateClass, now = new Date()): Promise<RateLimitResult> {
  return (await consumeRateLimits(subject, [rateClass], now))[0];
}

export function rateLimitHeaders(r: RateLimitResult, now = new Date()): Record<string, string> {
  const h: Record<string, string> = {
    "X-RateLimit-Limit": String(r.limit),
    "X-RateLimit-Remaining": String(r.remaining),
    "X-RateLimit-Reset": String(Math.ceil(r.resetAt.getTime() / 1000)),
  };
  if (!r.allowed) h["Retry-After"] = String(Math.max(1, Math.ceil((r.resetAt.getTime() - now.getTime()) / 1000)));
  return h;
}
