import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { API_KEY_PATTERN, generateApiKey, hashApiKey, isApiKeyFormat } from "../../lib/security/api-key";
import { hashPassword, verifyPassword } from "../../lib/security/password";

describe("API keys", () => {
  it("generates sk_live_ + 48 lowercase hex with a 14-char prefix and its SHA-256", () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^sk_live_[0-9a-f]{48}$/);
    expect(key).toHaveLength(56);
    expect(prefix).toBe(key.slice(0, 14));
    expect(prefix).toMatch(/^sk_live_[0-9a-f]{6}$/);
    expect(hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hash);
    expect(isApiKeyFormat(key)).toBe(true);
  });

  it("generates distinct keys", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });

  it("hashes a known key to its known digest", () => {
    const key = `sk_live_${"0".repeat(48)}`;
    expect(hashApiKey(key)).toBe(createHash("sha256").update(key, "utf8").digest("hex"));
    expect(hashApiKey(key)).not.toBe(hashApiKey(`sk_live_${"0".repeat(47)}1`));
  });

  const formats: Array<[unknown, boolean]> = [
    [`sk_live_${"a".repeat(48)}`, true],
    [`sk_live_${"0123456789abcdef".repeat(3)}`, true],
    [`sk_live_${"A".repeat(48)}`, false],
    [`sk_live_${"a".repeat(47)}`, false],
    [`sk_live_${"a".repeat(49)}`, false],
    [`sk_test_${"a".repeat(48)}`, false],
    [`sk_live_${"g".repeat(48)}`, false],
    [` sk_live_${"a".repeat(48)}`, false],
    [`sk_live_${"a".repeat(48)}\n`, false],
    ["", false],
    [null, false],
    [42, false],
  ];
  it.each(formats)("isApiKeyFormat(%j) = %s", (s, ok) => {
    expect(isApiKeyFormat(s)).toBe(ok);
  });

  it("exports the contract pattern", () => {
    expect(API_KEY_PATTERN.source).toBe("^sk_live_[0-9a-f]{48}$");
  });
});

describe("passwords", () => {
  it("hashes to scrypt$N$r$p$salt$hash with fresh salt, and verifies", async () => {
    const stored = await hashPassword("correct horse battery staple");
    const parts = stored.split("$");
    expect(parts).toHaveLength(6);
    expect(parts.slice(0, 4)).toEqual(["scrypt", "32768", "8", "1"]);
    expect(Buffer.from(parts[4], "base64")).toHaveLength(16);
    expect(Buffer.from(parts[5], "base64")).toHaveLength(64);
    expect(stored).not.toContain("correct horse");

    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", stored)).toBe(false);
    expect(await verifyPassword("Correct horse battery staple", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);

    const again = await hashPassword("correct horse battery staple");
    expect(again).not.toBe(stored);
    expect(await verifyPassword("correct horse battery staple", again)).toBe(true);
  });

  it("handles unicode passwords", async () => {
    const stored = await hashPassword("pässwörd 🔑");
    expect(await verifyPassword("pässwörd 🔑", stored)).toBe(true);
    expect(await verifyPassword("passwort 🔑", stored)).toBe(false);
  });

  it("verifies hashes made with other (cheaper) parameters", async () => {
    // Parameters travel with the hash: a stored value with N=1024 still verifies.
    const { scryptSync } = await import("node:crypto");
    const salt = Buffer.alloc(16, 7);
    const hash = scryptSync("pw", salt, 64, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString("base64")}$${hash.toString("base64")}`;
    expect(await verifyPassword("pw", stored)).toBe(true);
    expect(await verifyPassword("pw2", stored)).toBe(false);
  });

  it("rejects an empty password at hashing time", async () => {
    await expect(hashPassword("")).rejects.toThrow(/non-empty/);
  });

  it("returns false for unreadable or hostile stored values", async () => {
    const good = await hashPassword("pw");
    const [, , , , salt, hash] = good.split("$");
    const bad = [
      "",
      "plain",
      `bcrypt$32768$8$1$${salt}$${hash}`,
      `scrypt$32768$8$1$${salt}`,
      `scrypt$30000$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$${2 ** 24}$8$1$${salt}$${hash}`, // N beyond the bound
      `scrypt$32768$999$1$${salt}$${hash}`,
      `scrypt$32768$8$0$${salt}$${hash}`,
      `scrypt$32768$8$1$$${hash}`,
      `scrypt$32768$8$1$${salt}$`,
      `scrypt$32768$8$1$${salt}$${hash.slice(0, 10)}`,
    ];
    for (const stored of bad) expect(await verifyPassword("pw", stored)).toBe(false);
    expect(await verifyPassword("pw", good)).toBe(true);
  });
});
