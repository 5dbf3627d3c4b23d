import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

// Envelope sealing for secrets at rest (architecture "House style" 6). Each secret gets its own
// random 32-byte data key; the payload is encrypted with the data key, and the data key is wrapped
// by a versioned key-encryption key (KEK). Both layers are AES-256-GCM and both bind the caller's
// associated data (the row identity, e.g. "connector:conn_…:credentials"), so a sealed value copied
// to another row does not open. Rotating the KEK re-wraps only the data key.
//
// Sealed format (ASCII, four dot-separated fields):
//
//   gse1.<kekVersion>.<wrap>.<payload>
//
//   kekVersion  decimal KEK version, no leading zeros
//   wrap        base64url(no padding) of  wrapIv(12) || wrapTag(16) || wrappedDataKey(32)   = 60 bytes
//   payload     base64url(no padding) of  iv(12)     || tag(16)     || ciphertext(n)
//
// AAD: wrap layer  = "gse1:wrap:" || aad;  payload layer = "gse1:data:" || aad  (UTF-8). The KEK
// version is not in the AAD: it selects the key, and a wrong key fails authentication anyway.

export type Keyring = { current: number; keys: Map<number, Buffer> };

/** Thrown for anything that cannot be sealed or unsealed. The message never carries key material. */
export class SecretSealError extends Error {
  readonly code = "secret_seal_failed" as const;
  constructor(message = "Secret could not be unsealed") {
    super(message);
    this.name = "SecretSealError";
  }
}

const FORMAT = "gse1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_BYTES = IV_BYTES + TAG_BYTES + KEY_BYTES;
const WRAP_AAD = Buffer.from(`${FORMAT}:wrap:`, "utf8");
const DATA_AAD = Buffer.from(`${FORMAT}:data:`, "utf8");

/**
 * Parses `v1:<base64 32 bytes>,v2:<base64 32 bytes>`. The highest version is current. Errors name
 * the entry by position and version only, never its key text.
 */
export function parseKeyring(raw: string): Keyring {
  if (typeof raw !== "string" || raw.trim() === "") throw new Error("Keyring is empty: expected v1:<base64 32-byte key>");
  const keys = new Map<number, Buffer>();
  const entries = raw.split(",");
  entries.forEach((part, index) => {
    const entry = part.trim();
    const where = `Keyring entry ${index + 1}`;
    if (entry === "") throw new Error(`${where} is empty`);
    const colon = entry.indexOf(":");
    const label = colon >= 0 ? entry.slice(0, colon).trim() : "";
    const encoded = colon >= 0 ? entry.slice(colon + 1).trim() : "";
    const m = /^v([1-9]\d{0,8})$/.exec(label);
    if (!m) throw new Error(`${where} is not of the form v<N>:<base64 key> (N a positive integer)`);
    const version = Number(m[1]);
    if (keys.has(version)) throw new Error(`${where}: version v${version} appears more than once`);
    // Standard or URL-safe base64, padding optional.
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new Error(`${where} (v${version}): key is not base64`);
    const key = Buffer.from(encoded, "base64");
    if (key.length !== KEY_BYTES) {
      throw new Error(`${where} (v${version}): key must decode to ${KEY_BYTES} bytes, got ${key.length}`);
    }
    keys.set(version, key);
  });
  return { current: Math.max(...keys.keys()), keys };
}

/** A fresh KEK body: base64 of 32 random bytes (use as `v<N>:<this>`). */
export function generateKek(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}

function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

function gcmDecrypt(key: Buffer, box: Buffer, aad: Buffer): Buffer {
  const iv = box.subarray(0, IV_BYTES);
  const tag = box.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(box.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

function b64urlDecodeStrict(s: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  const buf = Buffer.from(s, "base64url");
  // Node ignores stray trailing bits; requiring the canonical encoding makes every edit detectable.
  return buf.toString("base64url") === s ? buf : null;
}

interface Parsed {
  version: number;
  wrap: Buffer;
  wrapText: string;
  payloadText: string;
}

function parseSealed(sealed: string): Parsed {
  if (typeof sealed !== "string") throw new SecretSealError();
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== FORMAT || !/^[1-9]\d{0,8}$/.test(parts[1])) throw new SecretSealError();
  const wrap = b64urlDecodeStrict(parts[2]);
  if (!wrap || wrap.length !== WRAP_BYTES) throw new SecretSealError();
  return { version: Number(parts[1]), wrap, wrapText: parts[2], payloadText: parts[3] };
}

function kek(keyring: Keyring, version: number): Buffer {
  const key = keyring.keys.get(version);
  if (!key || key.length !== KEY_BYTES) throw new SecretSealError();
  return key;
}

function aadBuffer(prefix: Buffer, aad: string): Buffer {
  if (typeof aad !== "string" || aad === "") throw new SecretSealError("Associated data is required");
  return Buffer.concat([prefix, Buffer.from(aad, "utf8")]);
}

function unwrapDataKey(parsed: Parsed, aad: string, keyring: Keyring): Buffer {
  const key = kek(keyring, parsed.version);
  let dataKey: Buffer;
  try {
    dataKey = gcmDecrypt(key, parsed.wrap, aadBuffer(WRAP_AAD, aad));
  } catch {
    throw new SecretSealError();
  }
  if (dataKey.length !== KEY_BYTES) throw new SecretSealError();
  return dataKey;
}

function wrapDataKey(dataKey: Buffer, aad: string, keyring: Keyring): string {
  let key: Buffer;
  try {
    key = kek(keyring, keyring.current);
  } catch {
    throw new SecretSealError("Keyring has no key for its current version");
  }
  const wrap = gcmEncrypt(key, dataKey, aadBuffer(WRAP_AAD, aad)).toString("base64url");
  return `${FORMAT}.${keyring.current}.${wrap}`;
}

export function seal(plaintext: string | Buffer, aad: string, keyring: Keyring): string {
  const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const payload = gcmEncrypt(dataKey, data, aadBuffer(DATA_AAD, aad)).toString("base64url");
    return `${wrapDataKey(dataKey, aad, keyring)}.${payload}`;
  } finally {
    dataKey.fill(0);
  }
}

export function unseal(sealed: string, aad: string, keyring: Keyring): Buffer {
  const parsed = parseSealed(sealed);
  const payload = b64urlDecodeStrict(parsed.payloadText);
  if (!payload || payload.length < IV_BYTES + TAG_BYTES) throw new SecretSealError();
  const dataKey = unwrapDataKey(parsed, aad, keyring);
  try {
    return gcmDecrypt(dataKey, payload, aadBuffer(DATA_AAD, aad));
  } catch {
    throw new SecretSealError();
  } finally {
    dataKey.fill(0);
  }
}

/** True when the value is wrapped by a KEK other than the keyring's current one. */
export function needsRewrap(sealed: string, keyring: Keyring): boolean {
  return parseSealed(sealed).version !== keyring.current;
}

/**
 * Re-wraps the data key under the current KEK for rotation; the payload field is kept byte for
 * byte. The old wrap is authenticated first (so aad must be right). A value already under the
 * current KEK is returned unchanged.
 */
export function rewrap(sealed: string, aad: string, keyring: Keyring): string {
  const parsed = parseSealed(sealed);
  if (!b64urlDecodeStrict(parsed.payloadText)) throw new SecretSealError();
  const dataKey = unwrapDataKey(parsed, aad, keyring);
  try {
    if (parsed.version === keyring.current) return sealed;
    return `${wrapDataKey(dataKey, aad, keyring)}.${parsed.payloadText}`;
  } finally {
    dataKey.fill(0);
  }
}

export function sealJson(value: unknown, aad: string, keyring: Keyring): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new SecretSealError("Value is not JSON-serialisable");
  return seal(json, aad, keyring);
}

export function unsealJson<T = unknown>(sealed: string, aad: string, keyring: Keyring): T {
  const plain = unseal(sealed, aad, keyring);
  try {
    return JSON.parse(plain.toString("utf8")) as T;
  } catch {
    throw new SecretSealError();
  } finally {
    plain.fill(0);
  }
}
