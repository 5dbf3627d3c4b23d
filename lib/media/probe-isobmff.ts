/**
 * In-process media facts for the common ISO-BMFF case (MP4/MOV/M4A/3GP with H.264/HEVC/AV1/VP9 video and
 * AAC-LC audio), parsed with GPAC's mp4box.js instead of starting ffprobe (~70–100 ms of CPU per file,
 * which capped imports of small files at ~20 files/s on 2 cores).
 *
 * Only the box headers and the `moov` box are read: the parser says where the next box starts and an
 * `mdat` is skipped, so a file with its `moov` at the end costs two or three small reads, not the file.
 * The figures are computed the way ffprobe computes them (tests/unit/probe.test.ts compares both paths
 * field by field on the fixtures). Anything this path does not fully understand — QuickTime files, another codec, an
 * AAC config without a channel layout, HE-AAC, fragmented files, edit lists beyond one plain edit,
 * image brands (HEIF/AVIF), a `moov` beyond the read budget — returns null, and the caller runs ffprobe.
 */
import { open, stat } from "node:fs/promises";
import { createFile, Log, MP4BoxBuffer, type Movie } from "mp4box";
import type { MediaFacts } from "./probe";

const CHUNK = 64 * 1024;
/** Bytes read at most before giving up on the fast path (a `moov` of a multi-hour file is a few MB). */
const MAX_READ = 32 * 1024 * 1024;
const MAX_READS = 64;

const VIDEO_CODECS: Record<string, string> = { avc1: "h264", avc3: "h264", hvc1: "hevc", hev1: "hevc", av01: "av1", vp09: "vp9" };
const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** AAC Main, LC, SSR, LTP: the sample rate and channels of the AudioSpecificConfig are the stream's. */
const PLAIN_AAC_OBJECT_TYPES = new Set([1, 2, 3, 4]);
const IMAGE_BRANDS = new Set(["heic", "heix", "heim", "heis", "mif1", "msf1", "avif", "avis"]);

type Track = Movie["tracks"][number];

// mp4box.js logs parse warnings to the console; keep them to errors (failures reach us as null anyway).
Log.setLogLevel(Log.error);
type Box = Record<string, unknown>;

/**
 * True when the file starts with an ISO-BMFF `ftyp` box of a brand this path handles. QuickTime files
 * (brand `qt  `, or no `ftyp` at all) carry sample-entry variants mp4box.js does not parse: ffprobe.
 */
export function looksIsoBmff(head: Buffer): boolean {
  if (head.length < 12 || head.toString("latin1", 4, 8) !== "ftyp") return false;
  return head.toString("latin1", 8, 12) !== "qt  ";
}

export async function probeIsoBmff(absolute: string): Promise<MediaFacts | null> {
  // Regular files only: opening a FIFO would block until a writer shows up (ffprobe has a time limit).
  const st = await stat(absolute).catch(() => null);
  if (!st?.isFile()) return null;
  const fh = await open(absolute, "r").catch(() => null);
  if (!fh) return null;
  try {
    const size = (await fh.stat()).size;
    return await parseIsoBmff(size, async (pos, len) => {
      const buf = Buffer.alloc(len);
      await fh.read({ buffer: buf, position: pos });
      return buf;
    });
  } catch {
    return null; // not for this parser: ffprobe decides
  } finally {
    await fh.close();
  }
}

/** The same, for bytes already in memory (a small file just downloaded): no file reads at all. */
export async function probeIsoBmffBuffer(bytes: Buffer): Promise<MediaFacts | null> {
  try {
    return await parseIsoBmff(bytes.length, async (pos, len) => bytes.subarray(pos, pos + len));
  } catch {
    return null;
  }
}

async function parseIsoBmff(size: number, readAt: (pos: number, len: number) => Promise<Buffer>): Promise<MediaFacts | null> {
  const head = await readAt(0, Math.min(CHUNK, size));
  if (!looksIsoBmff(head)) return null;

  const file = createFile();
  let info: Movie | null = null;
  let failed = false;
  file.onReady = (i: Movie) => (info = i);
  file.onError = () => (failed = true);

  let pos = 0;
  let read = 0;
  for (let n = 0; n < MAX_READS && !info && !failed && pos < size && read < MAX_READ; n++) {
    const len = Math.min(CHUNK, size - pos);
    const buf = pos === 0 ? head.subarray(0, len) : await readAt(pos, len);
    read += len;
    // mp4box keeps the ArrayBuffers it is given: always a copy of exactly this chunk.
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + len) as ArrayBuffer;
    const next = file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, pos));
    pos = typeof next === "number" && next > pos ? next : pos + len;
  }
  if (!info) file.flush();
  if (!info || failed) return null;
  return factsOf(file as unknown as { getTrackById(id: number): Box }, info, size);
}

function factsOf(file: { getTrackById(id: number): Box }, info: Movie, fileSize: number): MediaFacts | null {
  if (info.isFragmented || !info.hasMoov) return null;
  const brand = (info.brands[0] ?? "").trim().toLowerCase();
  if (IMAGE_BRANDS.has(brand)) return null;

  const v = info.tracks.find((t) => t.type === "video");
  const a = info.tracks.find((t) => t.type === "audio");
  if (!v && !a) return null;

  let video: MediaFacts["video"] = null;
  if (v) {
    const codec = VIDEO_CODECS[v.codec.split(".")[0]];
    const width = v.video?.width ?? 0;
    const height = v.video?.height ?? 0;
    if (!codec || width <= 0 || height <= 0 || v.nb_samples <= 0 || v.samples_duration <= 0) return null;
    video = {
      codec,
      width,
      height,
      // ffprobe's avg_frame_rate for MP4: samples × timescale ÷ the stts total.
      frame_rate: (v.nb_samples * v.timescale) / v.samples_duration,
      bit_rate: streamBitRate(v),
    };
  }

  let audio: MediaFacts["audio"] = null;
  if (a) {
    const config = aacConfig(file, a);
    if (!config) return null;
    audio = { codec: "aac", channels: config.channels, sample_rate: config.sampleRate, bit_rate: streamBitRate(a) };
  }

  const spans = [v, a].filter((t): t is Track => !!t).map(streamSpan);
  if (spans.some((s) => s === null)) return null;
  const start = Math.min(...spans.map((s) => s!.start));
  const end = Math.max(...spans.map((s) => s!.start + s!.duration));
  const duration = end - start;
  if (!(duration > 0)) return null;

  return {
    container: containerOfBrand(brand),
    duration_seconds: duration,
    bit_rate: Math.trunc((fileSize * 8) / duration) || null,
    video,
    audio,
    media_type: video ? "video" : "audio",
  };
}

/** The same names ffprobe's path gives the ISO-BMFF family (see containerOf in probe.ts). */
function containerOfBrand(brand: string): string {
  if (brand === "" || brand === "qt") return "mov";
  if (/^m4[abp]$/.test(brand)) return "m4a";
  if (brand.startsWith("3g2")) return "3g2";
  if (brand.startsWith("3g")) return "3gp";
  if (brand === "mjp2") return "mj2";
  return "mp4";
}

/** Sample bytes × 8 ÷ the stts total, as ffprobe reports a MP4 stream's bit rate. */
function streamBitRate(t: Track): number | null {
  if (!(t.size > 0) || !(t.samples_duration > 0)) return null;
  return Math.trunc((t.size * 8 * t.timescale) / t.samples_duration) || null;
}

/**
 * A stream's presentation span in seconds, as ffprobe derives it: the media duration (the smaller of
 * mdhd and the stts total), or the one edit of a plain edit list. Anything else: null (ffprobe decides).
 */
function streamSpan(t: Track): { start: number; duration: number } | null {
  const media = Math.min(t.duration > 0 ? t.duration : Infinity, t.samples_duration > 0 ? t.samples_duration : Infinity);
  if (!Number.isFinite(media) || t.timescale <= 0) return null;
  const edits = t.edits ?? [];
  if (edits.length === 0) return { start: 0, duration: media / t.timescale };
  if (edits.length !== 1) return null;
  const e = edits[0];
  if (e.media_time < 0 || e.media_rate_integer !== 1 || e.media_rate_fraction !== 0 || t.movie_timescale <= 0) return null;
  // media_time is usually the composition offset of B-frame reordering or the encoder delay of AAC;
  // the edit presents segment_duration of the media, never more than the media holds.
  const edited = e.segment_duration / t.movie_timescale;
  if (!(edited > 0)) return null;
  return { start: 0, duration: Math.min(edited, media / t.timescale) };
}

/** Channels and sample rate from the AAC AudioSpecificConfig in the esds (ffprobe reports those, not the sample entry's). */
function aacConfig(file: { getTrackById(id: number): Box }, t: Track): { channels: number; sampleRate: number } | null {
  if (!/^mp4a\.40\.\d+$/.test(t.codec)) return null;
  const trak = file.getTrackById(t.id) as { mdia?: { minf?: { stbl?: { stsd?: { entries?: Box[] } } } } };
  const entry = trak.mdia?.minf?.stbl?.stsd?.entries?.[0] as
    | { esds?: { esd?: { findDescriptor(tag: number): { findDescriptor(tag: number): { data?: Uint8Array } | undefined } | undefined } } }
    | undefined;
  const dsi = entry?.esds?.esd?.findDescriptor(0x04)?.findDescriptor(0x05)?.data;
  if (!dsi || dsi.length < 2) return null;
  const objectType = dsi[0] >> 3;
  if (!PLAIN_AAC_OBJECT_TYPES.has(objectType)) return null;
  const freqIndex = ((dsi[0] & 0x07) << 1) | (dsi[1] >> 7);
  const sampleRate = AAC_SAMPLE_RATES[freqIndex];
  const channelConfig = (dsi[1] >> 3) & 0x0f;
  if (!sampleRate || channelConfig < 1 || channelConfig > 7) return null;
  return { channels: channelConfig === 7 ? 8 : channelConfig, sampleRate };
}
