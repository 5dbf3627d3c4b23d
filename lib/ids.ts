import { randomBytes } from "node:crypto";

// Opaque, type-prefixed, time-sortable ids: <prefix>_<10 chars time><16 chars random>, Crockford base32
// lowercase (ULID layout). Lexical order follows creation time, so ids double as list cursors.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export const ID_PREFIXES = [
  "ws", "usr", "mem", "key", "conn", "idx", "vid", "job", "item", "auto", "prompt", "run", "seg", "exp",
  "wh", "dlv", "evt", "req", "aud", "idem", "res",
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

// Random bytes drawn 4 KiB at a time (randomBytes(16) per id was ~0.1 ms of CPU each in an import of
// small files, which makes three ids per file). Still the CSPRNG's output, each byte used once.
let pool = Buffer.alloc(0);
let poolAt = 0;
function random16(): Buffer {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  poolAt += 16;
  return pool.subarray(poolAt - 16, poolAt);
}

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let rand: number[];
  if (now === lastTime) {
    // Monotonic within one millisecond: increment the previous random part.
    rand = lastRandom.slice();
    for (let i = rand.length - 1; i >= 0; i--) {
      if (rand[i] < 31) { rand[i]++; break; }
      rand[i] = 0;
    }
  } else {
    const bytes = random16();
    rand = Array.from(bytes, (b) => b % 32);
  }
  lastTime = now;
  lastRandom = rand;
  return `${prefix}_${encodeTime(now)}${rand.map((n) => ALPHABET[n]).join("")}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(id);
}
