import { describe, expect, it } from "vitest";
import { iso } from "@/lib/api/serialize";
import { stripQuotes } from "@/lib/providers/common";

describe("hot-path formatting helpers match their plain definitions", () => {
  it("iso() is toISOString without milliseconds, for any date; null stays null; an invalid date throws", () => {
    const plain = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
    const dates = [
      new Date(0), new Date("2026-12-02T08:40:01.999Z"), new Date("2024-02-29T23:59:59.000Z"), new Date("0999-01-01T00:00:00Z"),
      new Date("1000-01-01T00:00:00Z"), new Date("9999-12-31T23:59:59.999Z"), new Date(Date.UTC(10000, 0, 1)), new Date(Date.UTC(-1, 5, 6)),
    ];
    for (let i = 0; i < 2000; i++) dates.push(new Date(Math.floor(Math.random() * 4e12)));
    for (const d of dates) expect(iso(d)).toBe(plain(d));
    expect(iso(null)).toBeNull();
    expect(iso(undefined)).toBeNull();
    expect(() => iso(new Date(NaN))).toThrow(RangeError);
  });

  it("stripQuotes() drops a weak prefix and one pair of surrounding quotes, like the regular expressions it replaced", () => {
    const plain = (e: string) => e.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
    for (const e of ['"9b2cf535"', 'W/"abc"', "abc", "W/abc", '"', '""', 'W/"', 'W/""', '"a"b"', 'a"', '"a', "W/W/\"x\"", "0x8DC1A2B3C4D5E6F"]) {
      expect(stripQuotes(e), e).toBe(plain(e));
    }
    expect(stripQuotes(undefined)).toBeNull();
    expect(stripQuotes("")).toBeNull();
  });
});
