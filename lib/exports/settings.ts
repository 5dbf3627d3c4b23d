import { intEnv } from "@/lib/config/int-env";

// Export tunables, read from the environment on every call (documented in the README).

export type ExportSettings = {
  /** Largest artifact; a bigger one fails the export with a clear error_message. */
  maxBytes: number;
  /** Attempts per export (transient storage failures are retried up to this many attempts in all). */
  maxAttempts: number;
  /** Base delay of the exponential retry backoff, in seconds (attempt n waits base·2^(n-1), jittered). */
  retryDelaySeconds: number;
  /** Lifetime of signed download URLs. */
  urlTtlSeconds: number;
};

/** Read on every call so tests (and operators' restarts) see the current environment. */
export function exportSettings(): ExportSettings {
  return {
    maxBytes: intEnv("GANTRY_EXPORT_MAX_BYTES", 64 * 1024 * 1024, 1024),
    maxAttempts: intEnv("GANTRY_EXPORT_MAX_ATTEMPTS", 5, 1),
    retryDelaySeconds: intEnv("GANTRY_EXPORT_RETRY_DELAY_SECONDS", 10, 0),
    urlTtlSeconds: intEnv("GANTRY_EXPORT_URL_TTL_SECONDS", 900, 10),
  };
}
