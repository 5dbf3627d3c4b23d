import { describe, expect, it } from "vitest";
import { BATCH_BYTES, chunkByBytes } from "@/lib/db/batches";

describe("statement batches", () => {
  it("hold a 1,000-file listing page in one statement by default", () => {
    const page = Array.from({ length: 1000 }, (_, i) => `media/2026/day-${i}/clip-${i}.mp4`);
    expect(chunkByBytes(page, (p) => 2 * p.length + 200)).toHaveLength(1);
    expect(BATCH_BYTES).toBe(1024 * 1024);
  });
  it("split rows so that no batch passes the budget (a row larger than it goes alone), keeping every row once, in order", () => {
    const rows = [10, 30, 50, 5, 200, 1, 1, 98];
    const batches = chunkByBytes(rows, (r) => r, 100);
    expect(batches.flat()).toEqual(rows);
    expect(batches).toEqual([[10, 30, 50, 5], [200], [1, 1, 98]]);
  });
});
