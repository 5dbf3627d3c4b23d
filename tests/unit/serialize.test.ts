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
    // Every day boundary region from year 1000 to 9999 is covered by random instants over the whole range.
    for (let i = 0; i < 20_000; i++) dates.push(new Date(Math.floor(Date.UTC(1000, 0, 1) + Math.random() * (Date.UTC(10000, 0, 1) - Date.UTC(1000, 0, 1)))));
    for (const y of [1600, 1700, 1899, 1900, 1969, 1970, 2000, 2024, 2100, 2400]) {
      for (const [mo, da] of [[0, 1], [1, 28], [1, 29], [2, 1], [11, 31]]) dates.push(new Date(Date.UTC(y, mo, da, 23, 59, 59, 999)), new Date(Date.UTC(y, mo, da)));
    }
    // Dates built the way Next.js builds them in the server (a wrapped constructor) read the same.
    function Wrapped(...a: unknown[]): Date {
      return Reflect.construct(Date, a, Wrapped) as Date;
    }
    Wrapped.prototype = Date.prototype;
    dates.push(Wrapped("2026-12-02T08:40:01.123Z"), Wrapped(-1));
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
