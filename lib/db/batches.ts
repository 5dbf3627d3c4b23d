/**
 * Parameter bytes per multi-row statement. The embedded server can bind a large message to another
 * connection's statement (pglite#1046, see stack-notes), so there every statement stays far below
 * 64 KiB; on the operator's PostgreSQL (GANTRY_DATABASE_MODE=external, set by the launcher) batches of
 * 1 MiB cut the round trips of bulk writes (a 1,000-file listing page: 1 statement instead of ~10).
 * Unknown mode (tests, scripts): the embedded rule.
 */
export const EMBEDDED_BATCH_BYTES = 24 * 1024;
export const EXTERNAL_BATCH_BYTES = 1024 * 1024;

export function insertBatchBytes(mode = process.env.GANTRY_DATABASE_MODE): number {
  return mode === "external" ? EXTERNAL_BATCH_BYTES : EMBEDDED_BATCH_BYTES;
}

/** Splits rows into batches whose estimated encoded size stays under `maxBytes` (at least one row each). */
export function chunkByBytes<T>(rows: readonly T[], sizeOf: (row: T) => number, maxBytes = insertBatchBytes()): T[][] {
  const out: T[][] = [];
  let batch: T[] = [];
  let size = 0;
  for (const r of rows) {
    const s = sizeOf(r);
    if (batch.length && size + s > maxBytes) {
      out.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(r);
    size += s;
  }
  if (batch.length) out.push(batch);
  return out;
}
