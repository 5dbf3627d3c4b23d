/**
 * In-process media facts for the common ISO-BMFF case (MP4/M4A/3GP with H.264/HEVC/AV1/VP9 video and
 * AAC-LC audio), read from the file's boxes by a small reader instead of starting ffprobe (~70–100 ms of CPU
 * per file, which capped imports of small files at ~20 files/s on 2 cores).
 *
 * Only the top-level box headers and the `moov` box are read: an `mdat` is skipped by its size, so a file
 * with its `moov` at the end costs two or three small reads, not the file. The figures are computed the way
 * ffprobe (libavformat's mov demuxer) computes them, down to its integer arithmetic and rounding
 * (tests/unit/probe.test.ts compares both paths field by field on the fixtures and on byte-level variants of
 * them). This reader replaced mp4box.js (~0.6 ms of CPU per small file); where the two parsers read a file
 * differently it follows ffmpeg, or leaves the file to it.
 *
 * Anything this path does not fully understand returns null, and the caller runs ffprobe: QuickTime files
 * (brand `qt  ` or no `ftyp`), image brands (HEIF/AVIF), fragmented files (an `mvex`, a `moof`), another
 * codec, AAC other than plain Main/LC/SSR/LTP with a channel configuration (HE-AAC among them), edit lists
 * beyond one plain edit, tracks other than video and sound, several sample descriptions, an H.264 sample
 * entry whose size is not its SPS's, sample tables that contradict each other, malformed or truncated boxes,
 * a `moov` beyond the read budget.
 */
import { open, stat } from "node:fs/promises";
import type { MediaFacts } from "./probe";

const CHUNK = 64 * 1024;
/** Bytes read at most before giving up on the fast path (a `moov` of a multi-hour file is a few MB). */
const MAX_READ = 32 * 1024 * 1024;
const MAX_READS = 64;

/** Sample entries this path answers for: ffprobe's codec name, and the configuration box the entry must carry. */
const VIDEO_CODECS: Record<string, { codec: string; config: string }> = {
  avc1: { codec: "h264", config: "avcC" },
  avc3: { codec: "h264", config: "avcC" },
  hvc1: { codec: "hevc", config: "hvcC" },
  hev1: { codec: "hevc", config: "hvcC" },
  av01: { codec: "av1", config: "av1C" },
  vp09: { codec: "vp9", config: "vpcC" },
};
const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** AAC Main, LC, SSR, LTP: the sample rate and channels of the AudioSpecificConfig are the stream's. */
const PLAIN_AAC_OBJECT_TYPES = new Set([1, 2, 3, 4]);
const IMAGE_BRANDS = new Set(["heic", "heix", "heim", "heis", "mif1", "msf1", "avif", "avis"]);
/** ffmpeg stops indexing a track at a larger sample, and reports no bit rate for it. */
const MAX_SAMPLE_SIZE = 0x3fffffff;
const INT32_MAX = 0x7fffffff;
/** Boxes at most in one container (or before the moov): real files have tens; garbage could claim millions. */
const MAX_BOXES = 4096;

/** Thrown where the file leaves the plain case this reader handles; the exported functions return null. */
class NotHandled extends Error {}

function need(condition: boolean): asserts condition {
  if (!condition) throw new NotHandled("not the plain ISO-BMFF case");
}

/**
 * True when the file starts with an ISO-BMFF `ftyp` box of a brand this path handles. QuickTime files
 * (brand `qt  `, or no `ftyp` at all) carry sample-entry variants this reader does not parse: ffprobe.
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
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      need(bytesRead === len); // the file shrank while we read it
      return buf;
    });
  } catch {
    return null; // not for this reader: ffprobe decides
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

type ReadAt = (pos: number, len: number) => Promise<Buffer>;

async function parseIsoBmff(size: number, readAt: ReadAt): Promise<MediaFacts | null> {
  const file = new FileWindow(size, readAt);
  if (!looksIsoBmff(await file.bytes(0, Math.min(CHUNK, size)))) return null;
  const { brand, moov } = await findMoov(file);
  return factsOf(readMovie(moov), brand, size);
}

// ---------------------------------------------------------------------------------------------------------
// Reading the file: the top-level boxes by their headers, then the moov

/** Reads within the budget, served from the last chunk read when they fall inside it. */
class FileWindow {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkAt = 0;
  private reads = 0;
  private bytesRead = 0;

  constructor(
    readonly size: number,
    private readonly readAt: ReadAt,
  ) {}

  /** `len` bytes at `pos`; a read takes at least a CHUNK, so the small boxes that follow come with it. */
  async bytes(pos: number, len: number): Promise<Buffer> {
    need(pos + len <= this.size);
    const offset = pos - this.chunkAt;
    if (offset >= 0 && offset + len <= this.chunk.length) return this.chunk.subarray(offset, offset + len);
    const want = Math.min(Math.max(len, CHUNK), this.size - pos);
    need(this.reads < MAX_READS && this.bytesRead + want <= MAX_READ);
    this.reads++;
    this.bytesRead += want;
    this.chunk = await this.readAt(pos, want);
    this.chunkAt = pos;
    return this.chunk.subarray(0, len);
  }
}

/** The major brand and the body of the first `moov`, walking the top-level boxes by their headers. */
async function findMoov(file: FileWindow): Promise<{ brand: string; moov: Buffer }> {
  let brand = "";
  for (let pos = 0, n = 0; ; n++) {
    need(n < MAX_BOXES);
    const left = file.size - pos;
    need(left >= 8); // the end of the file, and no moov
    const box = header(await file.bytes(pos, Math.min(16, left)), 0, left);
    if (pos === 0) {
      brand = majorBrand(await file.bytes(pos, box.size), box);
    } else {
      // A second ftyp (ffmpeg takes its brand) or a movie fragment before the moov: not the plain case.
      need(box.type !== "ftyp" && box.type !== "moof");
    }
    if (box.type === "moov") return { brand, moov: await file.bytes(pos + box.header, box.size - box.header) };
    pos += box.size;
  }
}

/** The ftyp's major brand, trimmed and lower-cased as probe.ts names containers by it. */
function majorBrand(ftyp: Buffer, box: BoxHeader): string {
  need(box.size >= box.header + 8); // ffmpeg rejects an ftyp without its minor version
  const raw = fourcc(ftyp, box.header);
  // ffprobe prints the brand as a C string: a NUL or a non-ASCII byte would not come out as these 4 characters.
  need(/^[\x20-\x7e]{4}$/.test(raw) && raw !== "qt  ");
  const brand = raw.trim().toLowerCase();
  need(!IMAGE_BRANDS.has(brand));
  return brand;
}

// ---------------------------------------------------------------------------------------------------------
// Boxes

type BoxHeader = { type: string; header: number; size: number };
/** A box inside a buffer: its type and where its body starts and ends. */
type Box = { type: string; body: number; end: number };

/** The header of the box at `p`, which has `room` bytes left in its parent (or in the file). */
function header(buf: Buffer, p: number, room: number): BoxHeader {
  need(room >= 8);
  let size = buf.readUInt32BE(p);
  let length = 8;
  if (size === 1) {
    need(room >= 16);
    size = uint64(buf, p + 8);
    length = 16;
  } else if (size === 0) {
    size = room; // runs to the end of its parent, or of the file (an mdat written by a live recorder)
  }
  need(size >= length && size <= room); // ffmpeg cuts a box running past its parent, mp4box.js stops there
  return { type: fourcc(buf, p + 4), header: length, size };
}

/**
 * The boxes inside `parent`. Fewer than 8 bytes at the end cannot hold a box: ffmpeg and mp4box.js both
 * ignore such a tail (QuickTime ends some lists with 4 zero bytes).
 */
function children(buf: Buffer, parent: Box): Box[] {
  const boxes: Box[] = [];
  for (let p = parent.body; parent.end - p >= 8; ) {
    need(boxes.length < MAX_BOXES);
    const h = header(buf, p, parent.end - p);
    // ffmpeg stops reading a container at a trak or mdat anywhere but at the top level or in the moov.
    need(parent.type === "moov" || (h.type !== "trak" && h.type !== "mdat"));
    boxes.push({ type: h.type, body: p + h.header, end: p + h.size });
    p += h.size;
  }
  return boxes;
}

/** The child of `type`, if any. Several: not the plain case (ffmpeg takes the last, or fails; mp4box.js the first). */
function single(boxes: Box[], type: string): Box | undefined {
  let found: Box | undefined;
  for (const box of boxes) {
    if (box.type !== type) continue;
    need(found === undefined);
    found = box;
  }
  return found;
}

function required(boxes: Box[], type: string): Box {
  const box = single(boxes, type);
  need(box !== undefined);
  return box;
}

/** The version (0 or 1: 32- or 64-bit times) of a full box that holds every field of that version. */
function timedVersion(buf: Buffer, box: Box, v0Length: number, v1Length: number): number {
  need(box.end - box.body >= 4);
  const version = buf[box.body];
  need(version <= 1 && box.end - box.body >= (version === 1 ? v1Length : v0Length));
  return version;
}

/** Entry count of a table whose body holds all of its entries after `fixed` bytes (the count ends those). */
function tableLength(buf: Buffer, box: Box, entrySize: number, fixed = 8): number {
  need(box.end - box.body >= fixed);
  const count = buf.readUInt32BE(box.body + fixed - 4);
  need(count <= (box.end - box.body - fixed) / entrySize);
  return count;
}

/** The same for a table this reader uses, in version 0: the only one the format defines for it. */
function version0Table(buf: Buffer, box: Box, entrySize: number, fixed = 8): number {
  need(box.end - box.body >= 4 && buf[box.body] === 0);
  return tableLength(buf, box, entrySize, fixed);
}

/** The four characters at `p` (Buffer#toString costs several times more for 4 bytes). */
function fourcc(buf: Buffer, p: number): string {
  return String.fromCharCode(buf[p], buf[p + 1], buf[p + 2], buf[p + 3]);
}

/** A 64-bit field, kept below 2^53 (no real file has more; beyond, a double would round it). */
function uint64(buf: Buffer, p: number): number {
  const high = buf.readUInt32BE(p);
  need(high < 0x200000);
  return high * 0x100000000 + buf.readUInt32BE(p + 4);
}

// ---------------------------------------------------------------------------------------------------------
// The movie and its tracks

type Track = {
  timescale: number;
  /** Samples by the stts (the same count as the stsz's) and their total duration. */
  samples: number;
  sampleTime: number;
  /** Bytes of all samples. */
  bytes: number;
  /** ffmpeg's stream duration before the edit list (the shorter of mdhd and the stts total)… */
  duration: number;
  /** …and after it: never more than the one edit presents. */
  presented: number;
  /** Where the stream starts, in the track's timescale, and whether an edit list placed it. */
  start: number;
  edited: boolean;
  video: { codec: string; width: number; height: number } | null;
  audio: { channels: number; sampleRate: number } | null;
};

function readMovie(moov: Buffer): Track[] {
  const boxes = children(moov, { type: "moov", body: 0, end: moov.length });
  need(single(boxes, "mvex") === undefined); // fragmented: the samples are described in moof boxes
  const timescale = movieTimescale(moov, required(boxes, "mvhd"));
  const tracks = boxes.filter((box) => box.type === "trak").map((trak) => readTrack(moov, trak, timescale));
  need(tracks.length > 0);
  // Without an edit list, ffmpeg starts an AAC stream after the iTunes priming samples (iTunSMPB), which
  // moves the format's start when other streams start elsewhere.
  const unedited = tracks.some((t) => t.audio && !t.edited);
  need(tracks.length === 1 || !unedited || !moov.includes("iTunSMPB"));
  return tracks;
}

function movieTimescale(buf: Buffer, mvhd: Box): number {
  const version = timedVersion(buf, mvhd, 100, 112);
  const timescale = buf.readUInt32BE(mvhd.body + (version === 1 ? 20 : 12));
  need(timescale > 0 && timescale <= INT32_MAX); // ffmpeg reads it as an int and takes 1 for ≤ 0
  return timescale;
}

function readTrack(buf: Buffer, trak: Box, movieTimescale: number): Track {
  const boxes = children(buf, trak);
  timedVersion(buf, required(boxes, "tkhd"), 84, 96); // one per track: ffmpeg fails on a second
  const mdia = children(buf, required(boxes, "mdia"));
  const { timescale, duration: mediaDuration } = mediaHeader(buf, required(mdia, "mdhd"));
  const handler = handlerType(buf, required(mdia, "hdlr"));
  const minf = children(buf, required(mdia, "minf"));
  const stbl = children(buf, required(minf, "stbl"));
  checkSkippedTables(buf, minf, stbl);

  const entry = sampleEntry(buf, required(stbl, "stsd"));
  const video = handler === "vide" ? visualEntry(buf, entry) : null;
  const audio = handler === "soun" ? audioEntry(buf, entry) : null;
  need(video !== null || audio !== null); // subtitles, timecode, metadata…: their times count in ffprobe's duration

  const times = timeToSample(buf, required(stbl, "stts"));
  // One tick per audio sample: ffmpeg indexes the track by chunks (uncompressed audio) and gives it no bit rate.
  need(!(audio && times.oneTickEach));
  const sizes = sampleSizes(buf, stbl);
  need(sizes.count > 0 && sizes.count === times.samples && chunkedSamples(buf, stbl) === sizes.count);

  const duration = Math.min(mediaDuration, times.duration);
  const edit = plainEdit(buf, single(boxes, "edts"), timescale, movieTimescale);
  return {
    timescale,
    samples: times.samples,
    sampleTime: times.duration,
    bytes: sizes.bytes,
    duration,
    presented: edit === null ? duration : Math.min(duration, edit),
    // Without an edit list ffmpeg starts a video stream at its first composition offset (B-frame reordering).
    start: edit === null && video ? firstCompositionOffset(buf, single(stbl, "ctts")) : 0,
    edited: edit !== null,
    video,
    audio,
  };
}

/**
 * Tables this reader skips but ffmpeg reads entry by entry: with a count beyond its box, ffmpeg reads on into
 * the boxes that follow, and fails the whole file when that reaches its end.
 */
function checkSkippedTables(buf: Buffer, minf: Box[], stbl: Box[]): void {
  for (const box of stbl) {
    if (box.type === "stss" || box.type === "stps") tableLength(buf, box, 4);
    else if (box.type === "ctts") tableLength(buf, box, 8);
    else if (box.type === "sbgp") tableLength(buf, box, 8, box.end > box.body && buf[box.body] === 1 ? 16 : 12);
  }
  const dinf = single(minf, "dinf");
  const dref = dinf && single(children(buf, dinf), "dref");
  if (!dref) return;
  // ffmpeg wants at least one data reference, each at least a full box.
  need(dref.end - dref.body >= 8);
  const count = buf.readUInt32BE(dref.body + 4);
  need(count >= 1 && count <= MAX_BOXES);
  for (let p = dref.body + 8, i = 0; i < count; i++) {
    need(dref.end - p >= 12);
    const size = buf.readUInt32BE(p);
    need(size >= 12 && size <= dref.end - p);
    p += size;
  }
}

function mediaHeader(buf: Buffer, mdhd: Box): { timescale: number; duration: number } {
  const version = timedVersion(buf, mdhd, 24, 36);
  const timescale = buf.readUInt32BE(mdhd.body + (version === 1 ? 20 : 12));
  const duration = version === 1 ? uint64(buf, mdhd.body + 24) : buf.readUInt32BE(mdhd.body + 16);
  need(timescale > 0 && timescale <= INT32_MAX);
  // ffmpeg takes an all-ones duration for 0, and 0 makes the stream's duration 0.
  need(duration > 0 && !(version === 0 && duration === 0xffffffff));
  return { timescale, duration };
}

/** The handler type: ffmpeg makes a stream video or audio by it, whatever the sample entry. */
function handlerType(buf: Buffer, hdlr: Box): string {
  need(hdlr.end - hdlr.body >= 24);
  return fourcc(buf, hdlr.body + 8);
}

/** The one sample description: with several, ffmpeg takes the codec of the first and the picture size of the last. */
function sampleEntry(buf: Buffer, stsd: Box): Box {
  need(stsd.end - stsd.body >= 16 && buf.readUInt32BE(stsd.body + 4) === 1);
  const p = stsd.body + 8;
  const size = buf.readUInt32BE(p); // ffmpeg knows no 64-bit or open-ended size here
  need(size >= 16 && size <= stsd.end - p);
  // The body skips the 6 reserved bytes and the data reference index every sample entry starts with.
  return { type: fourcc(buf, p + 4), body: p + 16, end: p + size };
}

/** Codec and dimensions of a VisualSampleEntry: the picture's, not the tkhd's display size. */
function visualEntry(buf: Buffer, entry: Box): Track["video"] {
  const known = VIDEO_CODECS[entry.type];
  need(known !== undefined && entry.end - entry.body >= 70);
  const width = buf.readUInt16BE(entry.body + 16);
  const height = buf.readUInt16BE(entry.body + 18);
  need(width > 0 && height > 0);
  // The decoder configuration follows the 70 bytes of fixed fields; without it ffprobe may not size the picture.
  const config = required(children(buf, { type: entry.type, body: entry.body + 70, end: entry.end }), known.config);
  if (known.codec === "h264") {
    // ffprobe reports the size the decoder finds in the SPS, whatever the sample entry says.
    const sps = avcPictureSize(buf, config);
    need(sps.width === width && sps.height === height);
  }
  return { codec: known.codec, width, height };
}

// ---------------------------------------------------------------------------------------------------------
// H.264: the picture size in the first SPS of the avcC

/** Profiles whose SPS carries chroma format, bit depths and scaling matrices (ITU-T H.264 7.3.2.1.1). */
const AVC_HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
const EMULATION_PREVENTION = Buffer.from([0, 0, 3]);

/** The cropped picture size libavcodec's H.264 decoder derives from the SPS. */
function avcPictureSize(buf: Buffer, avcC: Box): { width: number; height: number } {
  need(avcC.end - avcC.body >= 8 && buf[avcC.body] === 1 && (buf[avcC.body + 5] & 0x1f) >= 1);
  const length = buf.readUInt16BE(avcC.body + 6);
  need(length >= 2 && length <= avcC.end - avcC.body - 8);
  const nal = withoutEmulationPrevention(buf.subarray(avcC.body + 8, avcC.body + 8 + length));
  need((nal[0] & 0x1f) === 7);
  const bits = new BitReader(nal.subarray(1));
  const profile = bits.read(8);
  bits.read(16); // constraint flags, level
  bits.golomb(); // seq_parameter_set_id
  let chromaFormat = 1;
  if (AVC_HIGH_PROFILES.has(profile)) {
    chromaFormat = bits.golomb();
    need(chromaFormat <= 3);
    if (chromaFormat === 3) bits.read(1); // separate_colour_plane_flag
    bits.golomb(); // bit_depth_luma_minus8
    bits.golomb(); // bit_depth_chroma_minus8
    bits.read(1); // qpprime_y_zero_transform_bypass_flag
    if (bits.read(1)) {
      for (let i = 0; i < (chromaFormat === 3 ? 12 : 8); i++) if (bits.read(1)) skipScalingList(bits, i < 6 ? 16 : 64);
    }
  }
  bits.golomb(); // log2_max_frame_num_minus4
  const pocType = bits.golomb();
  need(pocType <= 2);
  if (pocType === 0) {
    bits.golomb(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    bits.read(1); // delta_pic_order_always_zero_flag
    bits.signedGolomb(); // offset_for_non_ref_pic
    bits.signedGolomb(); // offset_for_top_to_bottom_field
    const cycle = bits.golomb();
    need(cycle < 256);
    for (let i = 0; i < cycle; i++) bits.signedGolomb();
  }
  bits.golomb(); // max_num_ref_frames
  bits.read(1); // gaps_in_frame_num_value_allowed_flag
  const codedWidth = (bits.golomb() + 1) * 16;
  const mapUnits = bits.golomb() + 1;
  const frameMbsOnly = bits.read(1);
  if (!frameMbsOnly) bits.read(1); // mb_adaptive_frame_field_flag
  const codedHeight = (2 - frameMbsOnly) * mapUnits * 16;
  bits.read(1); // direct_8x8_inference_flag
  if (!bits.read(1)) return { width: codedWidth, height: codedHeight };
  // Crop offsets count in chroma samples (and in field pairs when interlaced), as libavcodec scales them.
  const stepX = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
  const stepY = (2 - frameMbsOnly) * (chromaFormat === 1 ? 2 : 1);
  const cropX = (bits.golomb() + bits.golomb()) * stepX;
  const cropY = (bits.golomb() + bits.golomb()) * stepY;
  need(cropX < codedWidth && cropY < codedHeight); // libavcodec rejects the SPS otherwise
  return { width: codedWidth - cropX, height: codedHeight - cropY };
}

function skipScalingList(bits: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + bits.signedGolomb() + 256) % 256;
    if (next !== 0) last = next;
  }
}

/** The NAL unit without its emulation prevention bytes: the 03 of each 00 00 03 (H.264 7.4.1). */
function withoutEmulationPrevention(nal: Buffer): Buffer {
  if (nal.indexOf(EMULATION_PREVENTION) === -1) return nal;
  const out = Buffer.allocUnsafe(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

function audioEntry(buf: Buffer, entry: Box): Track["audio"] {
  need(entry.type === "mp4a" && entry.end - entry.body >= 20);
  // Sound description versions 1 and 2 (QuickTime) insert fields before the child boxes; parsers differ on them.
  need(buf.readUInt16BE(entry.body) === 0);
  const esds = required(children(buf, { type: entry.type, body: entry.body + 20, end: entry.end }), "esds");
  return aacConfig(decoderSpecificInfo(buf, esds));
}

// ---------------------------------------------------------------------------------------------------------
// AAC: esds → ES_Descriptor (0x03) → DecoderConfigDescriptor (0x04) → DecoderSpecificInfo (0x05)

/** An MPEG-4 descriptor at `p`: its tag and body (the length takes 7 bits from each of up to 4 bytes). */
function descriptor(buf: Buffer, p: number, end: number): { tag: number; body: number; end: number } {
  need(end - p >= 2);
  const tag = buf[p];
  let length = 0;
  let q = p + 1;
  for (let i = 0; ; i++) {
    need(i < 4 && q < end); // ffmpeg reads 4 length bytes at most
    const byte = buf[q++];
    length = length * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) break;
  }
  need(length <= end - q);
  return { tag, body: q, end: q + length };
}

/** The AudioSpecificConfig, found where ffmpeg looks: each descriptor right after the previous one's fields. */
function decoderSpecificInfo(buf: Buffer, esds: Box): Buffer {
  const es = descriptor(buf, esds.body + 4, esds.end); // after the full box's version and flags
  need(es.tag === 0x03 && es.end - es.body >= 3);
  const flags = buf[es.body + 2];
  let p = es.body + 3;
  if (flags & 0x80) p += 2; // depends on ES_ID
  if (flags & 0x40) {
    need(p < es.end);
    p += 1 + buf[p]; // URL
  }
  if (flags & 0x20) p += 2; // OCR ES_ID
  const config = descriptor(buf, p, es.end);
  // objectTypeIndication 0x40: MPEG-4 audio (mp4a.40.x); streamType, buffer size and bit rates follow.
  need(config.tag === 0x04 && config.end - config.body >= 13 && buf[config.body] === 0x40);
  const dsi = descriptor(buf, config.body + 13, config.end);
  need(dsi.tag === 0x05);
  return buf.subarray(dsi.body, dsi.end);
}

/** Channels and sample rate from the AudioSpecificConfig: ffprobe reports those, not the sample entry's. */
function aacConfig(config: Buffer): { channels: number; sampleRate: number } {
  const bits = new BitReader(config);
  need(PLAIN_AAC_OBJECT_TYPES.has(bits.read(5)));
  const sampleRate = AAC_SAMPLE_RATES[bits.read(4)]; // index 15 (an explicit rate) is not in the table
  const channelConfig = bits.read(4);
  need(sampleRate !== undefined && channelConfig >= 1 && channelConfig <= 7); // 0: a program config element
  need(!signalsExtension(bits));
  return { channels: channelConfig === 7 ? 8 : channelConfig, sampleRate };
}

/**
 * Whether the config signals an extension ffprobe would report instead of the base stream (SBR: HE-AAC at
 * twice the rate). libavcodec looks for the sync word 0x2b7 at every bit after the channel configuration;
 * ffmpeg's own encoder writes one with the SBR flag off, which changes nothing.
 */
function signalsExtension(bits: BitReader): boolean {
  while (bits.left > 15) {
    if (bits.peek(11) !== 0x2b7) {
      bits.read(1);
      continue;
    }
    bits.read(11);
    let extension = bits.read(5);
    if (extension === 31) extension = 32 + bits.read(6);
    if (extension !== 5 || bits.read(1) === 1) return true; // not SBR, or SBR present
    return bits.left > 11 && bits.read(11) === 0x548 && bits.read(1) === 1; // parametric stereo
  }
  return false;
}

/** Big-endian bit fields, as the AudioSpecificConfig packs them. */
class BitReader {
  private pos = 0;

  constructor(private readonly bytes: Buffer) {}

  get left(): number {
    return this.bytes.length * 8 - this.pos;
  }

  peek(n: number): number {
    need(n <= this.left);
    let value = 0;
    for (let i = this.pos; i < this.pos + n; i++) value = value * 2 + ((this.bytes[i >> 3] >> (7 - (i & 7))) & 1);
    return value;
  }

  read(n: number): number {
    const value = this.peek(n);
    this.pos += n;
    return value;
  }

  /** An unsigned Exp-Golomb code, ue(v). */
  golomb(): number {
    let zeros = 0;
    while (this.read(1) === 0) need(++zeros < 32);
    return 2 ** zeros - 1 + this.read(zeros);
  }

  /** A signed Exp-Golomb code, se(v). */
  signedGolomb(): number {
    const code = this.golomb();
    return code % 2 ? (code + 1) / 2 : -code / 2;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sample tables

/** Samples and their total duration from the stts, as ffmpeg sums them. */
function timeToSample(buf: Buffer, stts: Box): { samples: number; duration: number; oneTickEach: boolean } {
  const count = version0Table(buf, stts, 8);
  let samples = 0;
  let duration = 0;
  for (let p = stts.body + 8, i = 0; i < count; i++, p += 8) {
    const run = buf.readUInt32BE(p);
    const delta = buf.readUInt32BE(p + 4);
    need(delta <= INT32_MAX); // a negative int32: ffmpeg takes it for a huge duration, or corrects it
    samples += run;
    duration += run * delta;
  }
  // ffmpeg counts frames in an int; sums beyond 2^53 would round here.
  need(samples <= INT32_MAX && duration > 0 && Number.isSafeInteger(duration));
  return { samples, duration, oneTickEach: count === 1 && buf.readUInt32BE(stts.body + 12) === 1 };
}

/** Number of samples and their total bytes, from the stsz or the compact stz2. */
function sampleSizes(buf: Buffer, stbl: Box[]): { count: number; bytes: number } {
  const stsz = single(stbl, "stsz");
  const stz2 = single(stbl, "stz2");
  need((stsz === undefined) !== (stz2 === undefined));
  const sizes = stsz ? fullSizes(buf, stsz) : compactSizes(buf, stz2!);
  need(Number.isSafeInteger(sizes.bytes));
  return sizes;
}

function fullSizes(buf: Buffer, stsz: Box): { count: number; bytes: number } {
  need(stsz.end - stsz.body >= 12 && buf[stsz.body] === 0);
  const constant = buf.readUInt32BE(stsz.body + 4);
  if (constant !== 0) {
    need(constant <= MAX_SAMPLE_SIZE);
    const count = buf.readUInt32BE(stsz.body + 8);
    return { count, bytes: count * constant };
  }
  const count = version0Table(buf, stsz, 4, 12);
  let bytes = 0;
  for (let p = stsz.body + 12, i = 0; i < count; i++, p += 4) {
    const size = buf.readUInt32BE(p);
    need(size <= MAX_SAMPLE_SIZE);
    bytes += size;
  }
  return { count, bytes };
}

/** stz2: 4-, 8- or 16-bit sizes, as the format defines them. */
function compactSizes(buf: Buffer, stz2: Box): { count: number; bytes: number } {
  need(stz2.end - stz2.body >= 12 && buf[stz2.body] === 0);
  const bits = buf[stz2.body + 7];
  const count = buf.readUInt32BE(stz2.body + 8);
  need((bits === 4 || bits === 8 || bits === 16) && count <= ((stz2.end - stz2.body - 12) * 8) / bits);
  const p = stz2.body + 12;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    if (bits === 16) bytes += buf.readUInt16BE(p + 2 * i);
    else if (bits === 8) bytes += buf[p + i];
    else bytes += (buf[p + (i >> 1)] >> (i & 1 ? 0 : 4)) & 0x0f;
  }
  return { count, bytes };
}

/**
 * How many samples the chunk tables place: the stsc's runs of samples per chunk over the stco/co64 chunks,
 * as ffmpeg indexes them. ffmpeg repairs runs out of order and skips samples of another description; here
 * they are not the plain case.
 */
function chunkedSamples(buf: Buffer, stbl: Box[]): number {
  const stco = single(stbl, "stco");
  const co64 = single(stbl, "co64");
  need((stco === undefined) !== (co64 === undefined));
  const chunks = stco ? version0Table(buf, stco, 4) : version0Table(buf, co64!, 8);
  const stsc = required(stbl, "stsc");
  const runs = version0Table(buf, stsc, 12);
  need(chunks > 0 && runs > 0);
  let samples = 0;
  for (let p = stsc.body + 8, i = 0; i < runs; i++, p += 12) {
    const first = buf.readUInt32BE(p);
    const perChunk = buf.readUInt32BE(p + 4);
    const next = i + 1 < runs ? buf.readUInt32BE(p + 12) : chunks + 1;
    need((i > 0 || first === 1) && first < next && next <= chunks + 1);
    need(perChunk >= 1 && perChunk <= INT32_MAX && buf.readUInt32BE(p + 8) === 1);
    samples += (next - first) * perChunk;
  }
  need(Number.isSafeInteger(samples));
  return samples;
}

/** The first composition offset ffmpeg keeps (entries with a count as a positive int), 0 without a ctts. */
function firstCompositionOffset(buf: Buffer, ctts: Box | undefined): number {
  if (!ctts) return 0;
  const count = tableLength(buf, ctts, 8);
  let first: number | undefined;
  for (let p = ctts.body + 8, i = 0; i < count; i++, p += 8) {
    const offset = buf.readInt32BE(p + 4);
    // ffmpeg drops the whole table for an offset beyond ±2^28 (and shifts timestamps for negative ones).
    need(offset >= 0 && offset <= 1 << 28);
    if (first === undefined && buf.readInt32BE(p) > 0) first = offset;
  }
  return first ?? 0;
}

/**
 * The track's one plain edit, converted to the track's timescale as ffmpeg rounds it; null without an
 * edit list. An empty edit, a rate other than 1 or more than one edit: not the plain case.
 */
function plainEdit(buf: Buffer, edts: Box | undefined, timescale: number, movieTimescale: number): number | null {
  const elst = edts && single(children(buf, edts), "elst");
  if (!elst) return null;
  need(elst.end - elst.body >= 8);
  const version = buf[elst.body];
  need(version <= 1);
  const entrySize = version === 1 ? 20 : 12;
  const count = buf.readUInt32BE(elst.body + 4);
  // ffmpeg takes the count from the box size when they disagree.
  need(elst.end - elst.body === 8 + count * entrySize);
  if (count === 0) return null;
  need(count === 1);
  const p = elst.body + 8;
  const segment = version === 1 ? uint64(buf, p) : buf.readUInt32BE(p);
  const mediaTime = version === 1 ? buf.readInt32BE(p + 8) * 0x100000000 + buf.readUInt32BE(p + 12) : buf.readInt32BE(p + 4);
  const rate = buf.readUInt32BE(p + (version === 1 ? 16 : 8));
  need(segment > 0 && mediaTime >= 0 && Number.isSafeInteger(mediaTime) && rate === 0x10000);
  return rescale(segment, timescale, movieTimescale);
}

// ---------------------------------------------------------------------------------------------------------
// From the tracks to ffprobe's figures

function factsOf(tracks: Track[], brand: string, fileSize: number): MediaFacts {
  const video = tracks.find((t) => t.video);
  const audio = tracks.find((t) => t.audio);
  const microseconds = formatDuration(tracks);
  need(microseconds > 0);
  return {
    container: containerOfBrand(brand),
    // ffprobe prints the duration's microseconds as seconds ("%f"): parsed back, that is exactly this.
    duration_seconds: microseconds / 1e6,
    // libavformat: (double) file size × 8 × 1e6 ÷ the duration in µs, cut to an integer.
    bit_rate: Math.trunc((fileSize * 8 * 1e6) / microseconds) || null,
    video: video?.video
      ? { ...video.video, frame_rate: frameRate(video), bit_rate: streamBitRate(video) }
      : null,
    audio: audio?.audio
      ? { codec: "aac", channels: audio.audio.channels, sample_rate: audio.audio.sampleRate, bit_rate: streamBitRate(audio) }
      : null,
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

/**
 * The format's duration in µs as libavformat derives it from the streams (update_stream_timings): the
 * longest stream, or the span from the earliest start to the latest end, each rounded to µs first.
 */
function formatDuration(tracks: Track[]): number {
  let longest = 0;
  let first = Infinity;
  let last = 0;
  for (const t of tracks) {
    const start = rescale(t.start, 1e6, t.timescale);
    const length = rescale(t.presented, 1e6, t.timescale);
    longest = Math.max(longest, length);
    first = Math.min(first, start);
    last = Math.max(last, start + length);
  }
  return Math.max(longest, last - first);
}

/** ffprobe's avg_frame_rate for MP4: samples × timescale ÷ the stts total, as a fraction reduced to ints. */
function frameRate(t: Track): number {
  let num = t.samples * t.timescale;
  let den = t.sampleTime;
  need(Number.isSafeInteger(num));
  const divisor = gcd(num, den);
  num /= divisor;
  den /= divisor;
  need(num <= INT32_MAX && den <= INT32_MAX); // beyond, av_reduce approximates the fraction
  return num / den;
}

/** Sample bytes × 8 × timescale ÷ the stream duration (before the edit list), in integers as ffmpeg divides. */
function streamBitRate(t: Track): number | null {
  return mulDiv(t.bytes * 8, t.timescale, t.duration) || null;
}

/** a × b ÷ c rounded to the nearest, halves up: av_rescale for non-negative integers. */
function rescale(a: number, b: number, c: number): number {
  return mulDiv(a, b, c, Math.floor(c / 2));
}

/** ⌊(a × b + add) ÷ c⌋ for non-negative integers, exact where doubles would round (64-bit math in ffmpeg). */
function mulDiv(a: number, b: number, c: number, add = 0): number {
  const dividend = a * b + add;
  if (Number.isSafeInteger(dividend) && Number.isSafeInteger(dividend + c)) {
    let quotient = Math.floor(dividend / c);
    // The double division can land on the next integer when c is large: settle it exactly.
    if (quotient * c > dividend) quotient--;
    else if ((quotient + 1) * c <= dividend) quotient++;
    return quotient;
  }
  return Number((BigInt(a) * BigInt(b) + BigInt(add)) / BigInt(c));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
