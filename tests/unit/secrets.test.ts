import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  SecretSealError,
  generateKek,
  needsRewrap,
  parseKeyring,
  rewrap,
  seal,
  sealJson,
  unseal,
  unsealJson,
  type Keyring,
} from "../../lib/security/secrets";

const K1 = randomBytes(32).toString("base64");
const K2 = randomBytes(32).toString("base64");
const ring1 = parseKeyring(`v1:${K1}`);
const ring12 = parseKeyring(`v1:${K1},v2:${K2}`);
const ring2 = parseKeyring(`v2:${K2}`);
const AAD = "connector:conn_01abc:credentials";
const SECRET = '{"client_secret":"hunter2-très-secret"}';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** Flips one character of a base64url field to another valid base64url character. */
function flipChar(s: string, index: number): string {
  const c = s[index];
  const repl = c === "A" ? "B" : "A";
  return s.slice(0, index) + repl + s.slice(index + 1);
}

function keyTexts(ring: Keyring): string[] {
  return [...ring.keys.values()].flatMap((k) => [k.toString("base64"), k.toString("base64url"), k.toString("hex")]);
}

function expectSealError(fn: () => unknown, ring: Keyring = ring12): void {
  const err = errorOf(fn);
  expect(err).toBeInstanceOf(SecretSealError);
  const text = `${(err as Error).message} ${(err as Error).stack ?? ""}`;
  for (const k of keyTexts(ring)) expect(text).not.toContain(k);
}

describe("seal / unseal", () => {
  it("round-trips strings, buffers and empty values", () => {
    const sealed = seal(SECRET, AAD, ring1);
    expect(unseal(sealed, AAD, ring1).toString("utf8")).toBe(SECRET);
    const bin = randomBytes(1000);
    expect(unseal(seal(bin, AAD, ring1), AAD, ring1).equals(bin)).toBe(true);
    expect(unseal(seal("", AAD, ring1), AAD, ring1).length).toBe(0);
  });

  it("produces the documented self-describing layout", () => {
    const sealed = seal(SECRET, AAD, ring12);
    const [fmt, version, wrap, payload] = sealed.split(".");
    expect(sealed.split(".")).toHaveLength(4);
    expect(fmt).toBe("gse1");
    expect(version).toBe("2");
    expect(Buffer.from(wrap, "base64url")).toHaveLength(12 + 16 + 32);
    expect(Buffer.from(payload, "base64url")).toHaveLength(12 + 16 + Buffer.byteLength(SECRET));
    expect(sealed).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(sealed).not.toContain(SECRET);
  });

  it("is randomised: the same secret seals differently each time", () => {
    const a = seal(SECRET, AAD, ring1);
    const b = seal(SECRET, AAD, ring1);
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
    expect(a.split(".")[3]).not.toBe(b.split(".")[3]);
  });

  it("refuses every single-character change, in every field", () => {
    const sealed = seal(SECRET, AAD, ring12);
    const [fmt, version, wrap, payload] = sealed.split(".");
    let checked = 0;
    for (let i = 0; i < wrap.length; i++) {
      expectSealError(() => unseal([fmt, version, flipChar(wrap, i), payload].join("."), AAD, ring12));
      checked++;
    }
    for (let i = 0; i < payload.length; i++) {
      expectSealError(() => unseal([fmt, version, wrap, flipChar(payload, i)].join("."), AAD, ring12));
      checked++;
    }
    expect(checked).toBe(wrap.length + payload.length);
    // Header edits: format tag, version pointing at another existing key, malformed version.
    expectSealError(() => unseal(["gse2", version, wrap, payload].join("."), AAD, ring12));
    expectSealError(() => unseal([fmt, "1", wrap, payload].join("."), AAD, ring12));
    expectSealError(() => unseal([fmt, "02", wrap, payload].join("."), AAD, ring12));
  });

  it("refuses truncated, extended and malformed values", () => {
    const sealed = seal(SECRET, AAD, ring1);
    const [fmt, version, wrap, payload] = sealed.split(".");
    for (const bad of [
      sealed.slice(0, -1),
      `${sealed}A`,
      `${sealed}.x`,
      [fmt, version, wrap].join("."),
      [fmt, version, wrap.slice(0, -4), payload].join("."),
      [fmt, version, wrap, payload.slice(0, 10)].join("."),
      [fmt, version, wrap, `${payload.slice(0, -1)}+`].join("."),
      [fmt, version, `${wrap}=`, payload].join("."),
      "",
      "gse1...",
    ]) {
      expectSealError(() => unseal(bad, AAD, ring1), ring1);
    }
  });

  it("refuses a value moved to another row (wrong aad)", () => {
    const sealed = seal(SECRET, AAD, ring1);
    expectSealError(() => unseal(sealed, "connector:conn_01xyz:credentials", ring1), ring1);
    expectSealError(() => unseal(sealed, `${AAD} `, ring1), ring1);
  });

  it("refuses a payload grafted onto another secret's wrapped key", () => {
    const a = seal("secret a", AAD, ring1).split(".");
    const b = seal("secret b", AAD, ring1).split(".");
    expectSealError(() => unseal([a[0], a[1], a[2], b[3]].join("."), AAD, ring1), ring1);
  });

  it("refuses an unknown key version", () => {
    const sealed = seal(SECRET, AAD, ring12); // v2
    expectSealError(() => unseal(sealed, AAD, ring1), ring1);
    const err = errorOf(() => unseal(sealed, AAD, ring1)) as Error;
    expect(err.message).toBe("Secret could not be unsealed");
  });

  it("refuses a wrong key under the right version number", () => {
    const sealed = seal(SECRET, AAD, ring1);
    const impostor = parseKeyring(`v1:${generateKek()}`);
    expectSealError(() => unseal(sealed, AAD, impostor), impostor);
  });

  it("requires associated data", () => {
    expectSealError(() => seal(SECRET, "", ring1), ring1);
  });

  it("seal refuses a keyring whose current version has no key", () => {
    const broken: Keyring = { current: 3, keys: new Map(ring12.keys) };
    expectSealError(() => seal(SECRET, AAD, broken));
  });
});

describe("KEK rotation", () => {
  it("rewrap changes only the wrapped key, and the result survives removing the old KEK", () => {
    const old = seal(SECRET, AAD, ring1);
    expect(needsRewrap(old, ring1)).toBe(false);
    expect(needsRewrap(old, ring12)).toBe(true);
    // Before rewrap, the full keyring opens it.
    expect(unseal(old, AAD, ring12).toString()).toBe(SECRET);

    const rotated = rewrap(old, AAD, ring12);
    const [oFmt, oVer, oWrap, oPayload] = old.split(".");
    const [nFmt, nVer, nWrap, nPayload] = rotated.split(".");
    expect(nFmt).toBe(oFmt);
    expect(oVer).toBe("1");
    expect(nVer).toBe("2");
    expect(nWrap).not.toBe(oWrap);
    expect(nPayload).toBe(oPayload);
    expect(needsRewrap(rotated, ring12)).toBe(false);

    expect(unseal(rotated, AAD, ring12).toString()).toBe(SECRET);
    expect(unseal(rotated, AAD, ring2).toString()).toBe(SECRET); // v1 retired
    expectSealError(() => unseal(old, AAD, ring2), ring2); // the old form needs v1
  });

  it("rewrap under the current KEK is a no-op", () => {
    const sealed = seal(SECRET, AAD, ring12);
    expect(rewrap(sealed, AAD, ring12)).toBe(sealed);
  });

  it("rewrap authenticates first: wrong aad, tampering and unknown versions refuse", () => {
    const old = seal(SECRET, AAD, ring1);
    expectSealError(() => rewrap(old, "other-row", ring12));
    const [f, v, w, p] = old.split(".");
    expectSealError(() => rewrap([f, v, flipChar(w, 5), p].join("."), AAD, ring12));
    expectSealError(() => rewrap(old, AAD, ring2), ring2);
  });

  it("a rewrapped value still binds its aad", () => {
    const rotated = rewrap(seal(SECRET, AAD, ring1), AAD, ring12);
    expectSealError(() => unseal(rotated, "connector:other:credentials", ring12));
  });

  it("needsRewrap refuses garbage", () => {
    expectSealError(() => needsRewrap("nope", ring12));
  });
});

describe("sealJson / unsealJson", () => {
  it("round-trips JSON values", () => {
    const value = { type: "service_account", private_key: "-----BEGIN…", n: 3, nested: [true, null] };
    const sealed = sealJson(value, AAD, ring12);
    expect(unsealJson(sealed, AAD, ring12)).toEqual(value);
  });

  it("refuses values JSON cannot represent", () => {
    expectSealError(() => sealJson(undefined, AAD, ring12));
  });

  it("refuses non-JSON plaintext", () => {
    expectSealError(() => unsealJson(seal("not json {", AAD, ring12), AAD, ring12));
  });
});

describe("parseKeyring", () => {
  it("reads versions and picks the highest as current", () => {
    const ring = parseKeyring(` v3:${K2} , v1:${K1}`);
    expect(ring.current).toBe(3);
    expect([...ring.keys.keys()].sort()).toEqual([1, 3]);
    expect(ring.keys.get(1)?.equals(Buffer.from(K1, "base64"))).toBe(true);
  });

  it("accepts base64url and unpadded keys", () => {
    const raw = randomBytes(32);
    const ring = parseKeyring(`v1:${raw.toString("base64url")}`);
    expect(ring.keys.get(1)?.equals(raw)).toBe(true);
  });

  it("generateKek makes a usable 32-byte key body", () => {
    const body = generateKek();
    expect(Buffer.from(body, "base64")).toHaveLength(32);
    expect(body).not.toBe(generateKek());
    const ring = parseKeyring(`v1:${body}`);
    expect(unseal(seal("x", AAD, ring), AAD, ring).toString()).toBe("x");
  });

  const short = randomBytes(16).toString("base64");
  const long = randomBytes(48).toString("base64");
  const cases: Array<[string, string, RegExp]> = [
    ["empty", "", /empty/],
    ["blank", "   ", /empty/],
    ["empty entry", `v1:${K1},,v2:${K2}`, /entry 2 is empty/],
    ["no version", K1, /entry 1 is not of the form/],
    ["version 0", `v0:${K1}`, /not of the form/],
    ["bad label", `k1:${K1}`, /not of the form/],
    ["duplicate version", `v1:${K1},v1:${K2}`, /v1 appears more than once/],
    ["short key", `v1:${short}`, /must decode to 32 bytes, got 16/],
    ["long key", `v2:${long}`, /must decode to 32 bytes, got 48/],
    ["not base64", `v1:${K1.slice(0, 10)}!!${K1.slice(12)}`, /not base64/],
    ["missing key", "v1:", /not base64/],
  ];
  it.each(cases)("rejects %s without echoing key material", (_name, raw, message) => {
    const err = errorOf(() => parseKeyring(raw)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(message);
    for (const secret of [K1, K2, short, long, K1.slice(0, 10), K1.slice(12)]) {
      expect(err.message).not.toContain(secret);
    }
  });
});
