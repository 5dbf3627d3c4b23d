/**
 * Parameter bytes per multi-row statement: bulk writes go in statements of up to 1 MiB (a 1,000-file
 * listing page is one statement, not ten). The embedded server used to be held to 24 KiB: with
 * pglite-socket's stock queue a large message could be bound to another connection's statement
 * (pglite#1046). Gantry's batch-aware queue keeps a connection's batch together however many socket
 * reads its Bind takes (lib/db/pglite-queue.ts; tests/integration/pglite-queue.test.ts sends 1 MB
 * statements among small queries and fails with the stock queue), so both modes share one size.
 */
export const BATCH_BYTES = 1024 * 1024;

/** Splits rows into batches whose estimated encoded size stays under `maxBytes` (at least one row each). */
export function chunkByBytes<T>(rows: readonly T[], sizeOf: (row: T) => number, maxBytes = BATCH_BYTES): T[][] {
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
