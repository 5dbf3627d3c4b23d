// Webhook delivery tunables, read once per process (documented in the README).
function numberEnv(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}`);
  return n;
}

export const webhookSettings = {
  /**
   * Delay before the first retry; each further retry doubles it (capped at 360× the base, 6 h by
   * default) with ±20 % jitter. With the default 60 s the 13 attempts of a delivery span about a day.
   * Tests shrink it so a retry takes milliseconds.
   */
  retryBaseMs: numberEnv("GANTRY_WEBHOOK_RETRY_BASE_MS", 60_000, 1),
  /** Attempts per delivery (the first one and the retries). */
  maxAttempts: Math.floor(numberEnv("GANTRY_WEBHOOK_MAX_ATTEMPTS", 13, 1)),
  /** Consecutive failed attempts (over all deliveries of a webhook) after which it is disabled. */
  disableAfterFailures: Math.floor(numberEnv("GANTRY_WEBHOOK_DISABLE_AFTER", 50, 1)),
  /** Per-attempt timeout: connect, send and the response together. */
  timeoutMs: numberEnv("GANTRY_WEBHOOK_TIMEOUT_MS", 10_000, 100),
};

/** The receiver's answer is kept up to this many bytes. */
export const RESPONSE_BODY_LIMIT = 4096;
/** Delays never grow past this multiple of the base (6 h with the default base). */
export const MAX_DELAY_FACTOR = 360;
