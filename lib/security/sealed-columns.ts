import { db } from "@/lib/db";
import { needsRewrap, rewrap } from "./secrets";
import { keyring } from "./keyring";

/**
 * Every database column that holds a sealed secret, with the associated data that binds a ciphertext
 * to its row. Key rotation (`npm run gantry -- keys rotate`) walks this list; a feature that adds a
 * sealed column registers it here.
 */
export type SealedColumn = { table: string; idColumn: string; column: string; aad: (id: string) => string };

export const SEALED_COLUMNS: SealedColumn[] = [];

export function registerSealedColumn(c: SealedColumn): void {
  if (!SEALED_COLUMNS.some((x) => x.table === c.table && x.column === c.column)) SEALED_COLUMNS.push(c);
}

/** Re-wraps every data key under the current KEK, in batches; payload ciphertexts are unchanged. */
export async function rewrapAllSecrets(batchSize = 200): Promise<{ table: string; rewrapped: number; total: number }[]> {
  const ring = keyring();
  const report = [];
  for (const c of SEALED_COLUMNS) {
    let after = "";
    let rewrapped = 0;
    let total = 0;
    for (;;) {
      const rows = await db.$queryRawUnsafe<{ id: string; v: string | null }[]>(
        `SELECT "${c.idColumn}" AS id, "${c.column}" AS v FROM "${c.table}" WHERE "${c.idColumn}" > $1 ORDER BY "${c.idColumn}" LIMIT ${batchSize}`,
        after,
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        total++;
        if (!r.v || !needsRewrap(r.v, ring)) continue;
        const next = rewrap(r.v, c.aad(r.id), ring);
        await db.$executeRawUnsafe(
          `UPDATE "${c.table}" SET "${c.column}" = $1 WHERE "${c.idColumn}" = $2 AND "${c.column}" = $3`, next, r.id, r.v,
        );
        rewrapped++;
      }
      after = rows[rows.length - 1].id;
    }
    report.push({ table: c.table, rewrapped, total });
  }
  return report;
}
