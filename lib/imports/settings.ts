import { intEnv } from "@/lib/config/int-env";

// Import tunables, read once per process (documented in the README).

export const importSettings = {
  /** Files copied at once per import job. */
  concurrency: intEnv("GANTRY_IMPORT_CONCURRENCY", 4, 1),
  /** A claimed file whose worker stopped renewing its claim for this long is taken over by another. */
  leaseSeconds: intEnv("GANTRY_IMPORT_LEASE_SECONDS", 120, 5),
  /** A runner works this long, then hands over to a fresh queue job (bounds the queue lease). */
  stepSeconds: intEnv("GANTRY_IMPORT_STEP_SECONDS", 60, 1),
  /** Files larger than this are skipped as too_large. */
  maxFileBytes: intEnv("GANTRY_IMPORT_MAX_FILE_BYTES", 50 * 1024 ** 3, 1),
  /** Attempts per file for transient storage errors (403/404-class errors are never retried). */
  fileAttempts: intEnv("GANTRY_IMPORT_FILE_ATTEMPTS", 3, 1),
};
