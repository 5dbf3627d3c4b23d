/** Keep each multi-row statement far below the embedded server's 64 KiB message limit. */
export const INSERT_BATCH_BYTES = 24 * 1024;

/** Splits rows into batches whose estimated encoded size stays under `maxBytes` (at least one row each). */
export function chunkByBytes<T>(rows: readonly T[], sizeOf: (row: T) => number, maxBytes = INSERT_BATCH_BYTES): T[][] {
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
