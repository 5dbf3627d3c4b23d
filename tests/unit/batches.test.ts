import { describe, expect, it } from "vitest";
import { chunkByBytes, EMBEDDED_BATCH_BYTES, EXTERNAL_BATCH_BYTES, insertBatchBytes } from "@/lib/db/batches";

describe("statement batches", () => {
  it("stay under 64 KiB unless the database is the operator's PostgreSQL", () => {
    expect(insertBatchBytes(undefined)).toBe(EMBEDDED_BATCH_BYTES);
    expect(insertBatchBytes("embedded")).toBe(EMBEDDED_BATCH_BYTES);
    expect(EMBEDDED_BATCH_BYTES).toBeLessThan(64 * 1024);
    expect(insertBatchBytes("external")).toBe(EXTERNAL_BATCH_BYTES);
  });
  it("split rows so that no batch passes the budget (a row larger than it goes alone), keeping every row once, in order", () => {
    const rows = [10, 30, 50, 5, 200, 1, 1, 98];
    const batches = chunkByBytes(rows, (r) => r, 100);
    expect(batches.flat()).toEqual(rows);
    expect(batches).toEqual([[10, 30, 50, 5], [200], [1, 1, 98]]);
  });
});
