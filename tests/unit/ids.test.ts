// Ids: type prefix, time-sortable, unique — also across the random pool's refills (lib/ids.ts).
import { describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";

describe("newId", () => {
  it("is prefixed, 26 Crockford characters, unique and in creation order across many pool refills", () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => newId("vid", 1_700_000_000_000 + Math.floor(i / 3)));
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^vid_[0-9abcdefghjkmnpqrstvwxyz]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // ids of different milliseconds draw fresh random parts (no two share one)
    const randoms = new Set(Array.from({ length: 2000 }, (_, i) => newId("evt", 1_800_000_000_000 + i * 2).slice(-16)));
    expect(randoms.size).toBe(2000);
  });
});
