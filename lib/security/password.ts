import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

// Password hashing with scrypt (node:crypto, no native dependency). Stored form:
//   scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>
// Parameters travel with the hash, so they can be raised later without invalidating old hashes.

const N = 2 ** 15;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 64;
const MAXMEM = 64 * 1024 * 1024; // scrypt needs 128*N*r bytes = 32 MiB at these parameters

// Bounds on parameters read back from storage, so a corrupted row cannot make verification
// allocate without limit.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== "string" || password === "") throw new Error("Password must be a non-empty string");
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, KEY_BYTES, { N, r: R, p: P, maxmem: MAXMEM });
  return ["scrypt", N, R, P, salt.toString("base64"), hash.toString("base64")].join("$");
}

/** True when `password` matches `stored`; false for a mismatch or an unreadable stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== "string" || typeof stored !== "string") return false;
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = parts.slice(1, 4).map((x) => (/^[1-9]\d{0,7}$/.test(x) ? Number(x) : NaN));
  if (!(n >= 2 && n <= MAX_N && (n & (n - 1)) === 0 && r >= 1 && r <= MAX_R && p >= 1 && p <= MAX_P)) return false;
  const salt = Buffer.from(parts[4], "base64");
  const expected = Buffer.from(parts[5], "base64");
  if (salt.length < 8 || expected.length < 16 || expected.length > 128) return false;
  const maxmem = Math.max(MAXMEM, 128 * n * r * 2);
  let actual: Buffer;
  try {
    actual = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem });
  } catch {
    return false;
  }
  return timingSafeEqual(actual, expected);
}
