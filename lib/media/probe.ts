/**
 * Media facts from the file's content, with the ffprobe binary of @ffprobe-installer/ffprobe:
 * container, duration, overall bit rate, the first video and audio streams, and a media type.
 *
 * ffprobe runs without a shell, with a time limit (SIGKILL when exceeded) and a cap on its output. The input
 * is passed as `file:<absolute path>` with `-protocol_whitelist file`, so a path can never be taken for an
 * option, a URL or another protocol (`http:`, `concat:`, `pipe:`), and a playlist inside a file cannot make
 * ffprobe fetch anything over the network.
 *
 * Errors are `ProbeError`s with short messages (no stderr dumps, the directory of the path is not repeated):
 * - `unreadable_media`: ffprobe cannot make sense of the file (text, garbage, truncated, missing, a directory);
 * - `probe_timeout`: ffprobe did not finish in time (a FIFO nobody writes to, a stalled network mount);
 * - `probe_unavailable`: the ffprobe binary is missing or cannot be executed; says nothing about the file.
 */
import { spawn } from "node:child_process";
import { accessSync, chmodSync, constants, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { probeIsoBmff, probeIsoBmffBuffer } from "./probe-isobmff";

export type MediaFacts = {
  /** One name per container: mp4, mov, m4a, 3gp, webm, matroska, mp3, wav, flac, ogg, png, jpeg, webp, … */
  container: string | null;
  duration_seconds: number | null;
  /** Overall bit rate, bits per second. */
  bit_rate: number | null;
  /** The first video stream that is not attached cover art. For images: codec and dimensions, frame_rate null. */
  video: { codec: string; width: number; height: number; frame_rate: number | null; bit_rate: number | null } | null;
  audio: { codec: string; channels: number; sample_rate: number; bit_rate: number | null } | null;
  /** From the streams, not the file name. null: neither audio nor video (e.g. subtitles only). */
  media_type: "video" | "audio" | "image" | null;
};

export type ProbeErrorCode = "unreadable_media" | "probe_timeout" | "probe_unavailable";

export class ProbeError extends Error {
  override readonly name = "ProbeError";
  readonly code: ProbeErrorCode;

  constructor(code: ProbeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isProbeError(err: unknown): err is ProbeError {
  return err instanceof ProbeError;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** ffprobe's JSON for -show_format -show_streams is a few KB per stream; anything near this is not media. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
const MAX_STDERR_BYTES = 16 * 1024;
const MAX_MESSAGE_CHARS = 200;

let resolvedPath: string | undefined;

/**
 * Absolute path of the ffprobe binary, made executable on first use: the installer's postinstall
 * (`chmod u+x`) does not run under `npm install --ignore-scripts`. Throws `ProbeError("probe_unavailable")`
 * when there is no binary for this platform or it cannot be made executable.
 */
export function ffprobePath(): string {
  if (resolvedPath) return resolvedPath;
  let bin: string;
  try {
    const require = createRequire(import.meta.url);
    bin = (require("@ffprobe-installer/ffprobe") as { path: string }).path;
  } catch (e) {
    throw new ProbeError("probe_unavailable", `ffprobe is not installed for this platform: ${firstLine(e)}`);
  }
  if (process.platform !== "win32") ensureExecutable(bin);
  resolvedPath = bin;
  return bin;
}

function ensureExecutable(bin: string): void {
  if (isExecutable(bin)) return;
  try {
    chmodSync(bin, statSync(bin).mode | 0o100);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ProbeError("probe_unavailable", `ffprobe binary missing at ${bin}; reinstall @ffprobe-installer/ffprobe`);
    }
    throw new ProbeError(
      "probe_unavailable",
      `ffprobe at ${bin} is not executable and chmod u+x failed (${(e as NodeJS.ErrnoException).code ?? firstLine(e)}); ` +
        `make it executable or reinstall @ffprobe-installer/ffprobe with install scripts enabled`,
    );
  }
  if (!isExecutable(bin)) {
    throw new ProbeError("probe_unavailable", `ffprobe at ${bin} is still not executable after chmod u+x`);
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Media facts of a local file. MP4/MOV files with common codecs are parsed in-process (probe-isobmff.ts,
 * no child process); everything else, and whatever that parser does not fully understand, goes to
 * ffprobe. `GANTRY_PROBE=ffprobe` sends every file to ffprobe.
 */
export async function probeMedia(filePath: string, opts: { timeoutMs?: number } = {}): Promise<MediaFacts> {
  checkArgs(filePath, opts);
  if (process.env.GANTRY_PROBE !== "ffprobe") {
    const fast = await probeIsoBmff(path.resolve(filePath));
    if (fast) return fast;
  }
  return probeWithFfprobe(filePath, opts);
}

function checkArgs(filePath: string, opts: { timeoutMs?: number }): number {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number`);
  if (typeof filePath !== "string" || filePath === "" || filePath.includes("\0")) {
    throw new ProbeError("unreadable_media", "not a file path");
  }
  return timeoutMs;
}

/**
 * Facts from bytes in memory when the in-process parser understands them (ISO-BMFF, see
 * probe-isobmff.ts); null means "write the bytes to a file and use probeMedia" (ffprobe decides).
 */
export async function probeMediaBuffer(bytes: Buffer): Promise<MediaFacts | null> {
  if (process.env.GANTRY_PROBE === "ffprobe") return null;
  return probeIsoBmffBuffer(bytes);
}

/** probeMedia through ffprobe only (the reference the in-process parser is tested against). */
export async function probeWithFfprobe(filePath: string, opts: { timeoutMs?: number } = {}): Promise<MediaFacts> {
  const timeoutMs = checkArgs(filePath, opts);
  const absolute = path.resolve(filePath);
  const json = await runFfprobe(ffprobePath(), absolute, timeoutMs);

  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(json) as FfprobeOutput;
  } catch {
    throw new ProbeError("unreadable_media", `ffprobe printed no usable JSON for ${path.basename(absolute)}`);
  }
  return factsFrom(parsed, absolute);
}

// ---------------------------------------------------------------------------------------------------------
// Running ffprobe

function runFfprobe(bin: string, absolute: string, timeoutMs: number): Promise<string> {
  const input = `file:${absolute}`;
  const args = [
    "-v", "error",
    "-protocol_whitelist", "file",
    "-print_format", "json",
    "-show_format",
    "-show_streams",
    "-i", input,
  ];
  const name = path.basename(absolute);

  return new Promise((resolve, reject) => {
    let settled = false;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";

    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });

    const finish = (err: ProbeError | null, out?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        reject(err);
      } else {
        resolve(out!);
      }
    };

    const timer = setTimeout(() => {
      finish(new ProbeError("probe_timeout", `ffprobe did not finish within ${timeoutMs} ms (${name})`));
    }, timeoutMs);

    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) {
        finish(new ProbeError("unreadable_media", `ffprobe output for ${name} exceeded ${MAX_STDOUT_BYTES} bytes`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      // Keep the tail: ffprobe prints the decisive line last.
      stderr = (stderr + chunk).slice(-MAX_STDERR_BYTES);
    });

    child.on("error", (e: NodeJS.ErrnoException) => {
      finish(new ProbeError("probe_unavailable", `cannot run ffprobe (${e.code ?? firstLine(e)})`));
    });
    child.on("close", (code, signal) => {
      if (code === 0) return finish(null, Buffer.concat(stdout).toString("utf8"));
      const reason = summarizeStderr(stderr, input, absolute) || (signal ? `ffprobe killed by ${signal}` : `ffprobe exit code ${code}`);
      finish(new ProbeError("unreadable_media", `cannot read ${name}: ${reason}`));
    });
  });
}

/**
 * At most the last two distinct lines of ffprobe's stderr, without `[demuxer @ 0x…]` prefixes and without
 * the input path (it starts most lines), e.g. "moov atom not found; Invalid data found when processing input".
 */
function summarizeStderr(stderr: string, input: string, absolute: string): string {
  const lines: string[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line) continue;
    for (const prefix of [`${input}: `, `${absolute}: `]) if (line.startsWith(prefix)) line = line.slice(prefix.length);
    line = line.split(input).join(path.basename(absolute)).replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, "");
    if (line && !lines.includes(line)) lines.push(line);
  }
  const text = lines.slice(-2).join("; ");
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0].slice(0, MAX_MESSAGE_CHARS);
}

// ---------------------------------------------------------------------------------------------------------
// From ffprobe's JSON to facts

type FfprobeStream = {
  codec_type?: string;
  codec_name?: string;
  width?: unknown;
  height?: unknown;
  avg_frame_rate?: unknown;
  sample_rate?: unknown;
  channels?: unknown;
  bit_rate?: unknown;
  duration?: unknown;
  disposition?: { attached_pic?: unknown };
  tags?: Record<string, unknown>;
};
type FfprobeOutput = {
  streams?: FfprobeStream[];
  format?: { format_name?: unknown; duration?: unknown; bit_rate?: unknown; tags?: Record<string, unknown> };
};

/** Still-image codecs; hevc/av1 count only inside heif/avif (anywhere else they are video). */
const IMAGE_CODECS = new Set([
  "png", "apng", "mjpeg", "jpegls", "jpeg2000", "jpegxl", "webp", "gif", "bmp", "tiff", "qoi", "ppm", "pgm", "pam",
  "hevc", "av1",
]);
/** Containers (as named by `containerOf`) that hold images, besides ffprobe's image2 and `*_pipe` demuxers. */
const IMAGE_CONTAINERS = new Set(["gif", "heif", "avif"]);

async function factsFrom(out: FfprobeOutput, absolute: string): Promise<MediaFacts> {
  const format = out.format ?? {};
  const formatName = typeof format.format_name === "string" ? format.format_name : null;
  const streams = Array.isArray(out.streams) ? out.streams : [];
  const name = path.basename(absolute);

  // The tty demuxer "reads" any .txt/.nfo/.asc file as ANSI art: that is text, not media.
  if (formatName === "tty" || streams.some((s) => s.codec_name === "ansi")) {
    throw new ProbeError("unreadable_media", `cannot read ${name}: text, not media`);
  }
  if (streams.length === 0) throw new ProbeError("unreadable_media", `cannot read ${name}: no streams`);

  const withCodec = streams.filter((s) => typeof s.codec_name === "string" && s.codec_name !== "" && s.codec_name !== "none");
  const videoStreams = withCodec.filter((s) => s.codec_type === "video" && int(s.disposition?.attached_pic) !== 1);
  const audioStreams = withCodec.filter((s) => s.codec_type === "audio");
  const v = videoStreams[0];
  const a = audioStreams[0];

  // ffprobe exits 0 on a PNG cut after its signature and reports a 0x0 picture; likewise an audio stream
  // without sample rate is a header and nothing else. Neither stream describable: not media we can read.
  const describable = (v && positive(v.width) !== null && positive(v.height) !== null) || (a && positive(a.sample_rate) !== null);
  if ((v || a) && !describable) {
    throw new ProbeError("unreadable_media", `cannot read ${name}: no decodable picture size or sample rate`);
  }

  const container = await containerOf(formatName, format.tags, v?.codec_name, absolute);

  let mediaType: MediaFacts["media_type"] = null;
  if (v) {
    const imageContainer =
      formatName !== null && (formatName.endsWith("_pipe") || formatName === "image2" || IMAGE_CONTAINERS.has(container ?? ""));
    const still = audioStreams.length === 0 && imageContainer && videoStreams.every((s) => IMAGE_CODECS.has(s.codec_name!));
    mediaType = still ? "image" : "video";
  } else if (a) {
    mediaType = "audio";
  }

  const streamDurations = [...videoStreams, ...audioStreams].map((s) => positive(s.duration)).filter((d) => d !== null);
  const duration = positive(format.duration) ?? (streamDurations.length ? Math.max(...streamDurations) : null);

  return {
    container,
    duration_seconds: duration,
    bit_rate: positiveInt(format.bit_rate),
    video: v
      ? {
          codec: v.codec_name!,
          width: positiveInt(v.width) ?? 0,
          height: positiveInt(v.height) ?? 0,
          // Image demuxers report their default 25 fps: meaningless for a still.
          frame_rate: mediaType === "image" ? null : frameRate(v.avg_frame_rate),
          bit_rate: streamBitRate(v),
        }
      : null,
    audio: a
      ? {
          codec: a.codec_name!,
          channels: positiveInt(a.channels) ?? 0,
          sample_rate: positiveInt(a.sample_rate) ?? 0,
          bit_rate: streamBitRate(a),
        }
      : null,
    media_type: mediaType,
  };
}

/**
 * One name for ffprobe's demuxer list: the ISO-BMFF family by major brand (mp4, mov, m4a, 3gp, 3g2, mj2,
 * heif, avif), Matroska by the EBML DocType in the file header (webm, matroska), image pipes without the
 * `_pipe` suffix (png_pipe → png), image2 by codec; otherwise the first name ffprobe lists.
 */
async function containerOf(
  formatName: string | null,
  tags: Record<string, unknown> | undefined,
  videoCodec: string | undefined,
  absolute: string,
): Promise<string | null> {
  if (!formatName) return null;
  if (formatName === "mov,mp4,m4a,3gp,3g2,mj2") {
    const brand = typeof tags?.major_brand === "string" ? tags.major_brand.trim().toLowerCase() : "";
    if (brand === "" || brand === "qt") return "mov";
    if (/^m4[abp]$/.test(brand)) return "m4a";
    if (brand.startsWith("3g2")) return "3g2";
    if (brand.startsWith("3g")) return "3gp";
    if (brand === "mjp2") return "mj2";
    if (["heic", "heix", "heim", "heis", "mif1", "msf1"].includes(brand)) return "heif";
    if (brand === "avif" || brand === "avis") return "avif";
    return "mp4";
  }
  if (formatName === "matroska,webm") {
    return (await matroskaDocType(absolute)) === "webm" ? "webm" : "matroska";
  }
  if (formatName === "image2") {
    if (videoCodec === "mjpeg") return "jpeg";
    return videoCodec ?? "image2";
  }
  if (formatName.endsWith("_pipe")) return formatName.slice(0, -"_pipe".length);
  return formatName.split(",")[0] || null;
}

/** The DocType ("webm" / "matroska") of the EBML header at the start of the file, or null. */
async function matroskaDocType(absolute: string): Promise<string | null> {
  let buf: Buffer;
  try {
    const fh = await open(absolute, "r");
    try {
      const { buffer, bytesRead } = await fh.read({ buffer: Buffer.alloc(256), position: 0 });
      buf = buffer.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
  if (buf.length < 5 || buf.readUInt32BE(0) !== 0x1a45dfa3) return null;
  const headerSize = vint(buf, 4, false);
  if (!headerSize) return null;
  let p = 4 + headerSize.length;
  const end = Math.min(buf.length, p + headerSize.value);
  while (p < end) {
    const id = vint(buf, p, true);
    if (!id) return null;
    p += id.length;
    const size = vint(buf, p, false);
    if (!size) return null;
    p += size.length;
    if (id.value === 0x4282) return buf.subarray(p, Math.min(p + size.value, end)).toString("latin1").replace(/\0+$/, "");
    p += size.value;
  }
  return null;
}

/** An EBML variable-length integer at `p`: element IDs keep their length marker, sizes do not. */
function vint(buf: Buffer, p: number, keepMarker: boolean): { value: number; length: number } | null {
  if (p >= buf.length || buf[p] === 0) return null;
  const length = Math.clz32(buf[p]) - 23;
  if (p + length > buf.length) return null;
  let value = keepMarker ? buf[p] : buf[p] & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + buf[p + i];
  return { value, length };
}

// ---------------------------------------------------------------------------------------------------------
// Numbers: ffprobe prints most of them as strings, "N/A" when unknown.

function num(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string" || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function int(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) ? n : null;
}

function positive(v: unknown): number | null {
  const n = num(v);
  return n !== null && n > 0 ? n : null;
}

function positiveInt(v: unknown): number | null {
  const n = positive(v);
  return n === null ? null : Math.round(n);
}

/** "10/1" → 10, "30000/1001" → 29.97…, "0/0" or "N/A" → null. */
function frameRate(v: unknown): number | null {
  if (typeof v !== "string") return positive(v);
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  if (!m) return positive(v);
  const [n, d] = [Number(m[1]), Number(m[2])];
  return n > 0 && d > 0 ? n / d : null;
}

/** The stream's bit_rate; Matroska files from mkvmerge carry it only as a BPS tag. */
function streamBitRate(s: FfprobeStream): number | null {
  return positiveInt(s.bit_rate) ?? positiveInt(s.tags?.BPS) ?? positiveInt(s.tags?.["BPS-eng"]);
}
