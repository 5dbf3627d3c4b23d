// Real media payloads of any size for the import bench: Gantry probes every imported file with ffprobe
// and fails unreadable media, so a padded file must stay valid MP4. The fixture clip (ftyp, moov, mdat
// boxes) gets one trailing `free` box (4-byte big-endian size + "free" + filler) that brings it to the
// target size; ffprobe skips free boxes. The filler is random so no layer can compress or dedupe it.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./gantry-server";

export const CLIP_PATH = path.join(ROOT, "tests/fixtures/media/clip.mp4");
export const FFPROBE_PATH = path.join(ROOT, "node_modules/@ffprobe-installer/linux-x64/ffprobe");

let clip: Buffer | undefined;
export function clipBytes(): Buffer {
  return (clip ??= readFileSync(CLIP_PATH));
}

/** The fixture clip padded to exactly `size` bytes with a trailing `free` box (size ≥ clip + 8, < 4 GiB). */
export function paddedClip(size: number): Buffer {
  const c = clipBytes();
  if (size === c.length) return Buffer.from(c);
  const pad = size - c.length;
  if (pad < 8 || pad > 0xffffffff) throw new Error(`cannot pad the ${c.length}-byte clip to ${size} bytes (needs ≥ ${c.length + 8})`);
  const box = randomBytes(pad);
  box.writeUInt32BE(pad, 0);
  box.write("free", 4, "latin1");
  return Buffer.concat([c, box]);
}

/** "200x5MB" → {count: 200, size: 5_000_000}; units B, KB/MB/GB (10^3) and KiB/MiB/GiB (2^10). "0" = skip. */
export function parseDataset(spec: string): { count: number; size: number } | null {
  if (spec.trim() === "0") return null;
  const m = /^(\d+)\s*x\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i.exec(spec.trim());
  if (!m) throw new Error(`bad dataset ${JSON.stringify(spec)}: expected COUNTxSIZE, e.g. 200x5MB or 5000x20KB (or 0 to skip)`);
  const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
  const count = Number(m[1]);
  const size = Math.round(Number(m[2]) * units[(m[3] ?? "B").toLowerCase()]);
  if (count < 1) return null;
  return { count, size };
}
