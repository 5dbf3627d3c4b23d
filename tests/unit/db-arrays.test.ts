// String arrays are written as PostgreSQL array literals by lib/db.ts (textArrayLiteral) instead of pg's
// per-element serialisation: the literal must be exactly the one pg makes.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { textArrayLiteral, withTextArrays } from "@/lib/db";

/** pg's own parameter serialisation (not in its typed exports). */
const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils") as { prepareValue: (v: unknown) => unknown };

const tricky = ["", "a", 'say "hi"', "back\\slash", '\\"', "comma,brace{}", "NULL", "null", " spaced ", "new\nline", "tab\t", "世界 ≠ é", "emoji 🎬", '{"k":"v\\n"}', "'quote'", "\\\\"];

function randomString(seed: number): string {
  const alphabet = ['"', "\\", ",", "{", "}", " ", "a", "Z", "\n", "é", "🎬", "'", "N", "U", "L"];
  let s = "";
  let x = seed;
  const len = seed % 17;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += alphabet[x % alphabet.length];
  }
  return s;
}

describe("text array parameters", () => {
  it("are the literal pg makes, nulls and escapes included", () => {
    const cases: (string | null)[][] = [[], [null], tricky, [...tricky, null, ...tricky], Array.from({ length: 500 }, (_, i) => (i % 13 === 0 ? null : randomString(i)))];
    for (const c of cases) expect(textArrayLiteral(c)).toBe(prepareValue(c));
  });

  it("are rewritten only when every element is a string or null; other parameters are left to pg", () => {
    const params = [["a", null], [1, 2], ["a", 1], "text", 5, null, [Buffer.from("x")], [], [undefined]];
    const out = withTextArrays(params);
    expect(out).toEqual(['{"a",NULL}', [1, 2], ["a", 1], "text", 5, null, [Buffer.from("x")], "{}", [undefined]]);
    expect(params[0]).toEqual(["a", null]); // the caller's array is not touched
    const plain = [1, "x"];
    expect(withTextArrays(plain)).toBe(plain); // nothing to rewrite: the same array back
  });
});
