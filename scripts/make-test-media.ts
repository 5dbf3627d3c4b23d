// `npx tsx scripts/make-test-media.ts`: regenerates the small, real media files in tests/fixtures/media/
// (committed; used by tests/unit/probe.test.ts) with an ffmpeg binary: FFMPEG_PATH, else `ffmpeg` on PATH
// (Debian: apt-get install ffmpeg). The fixtures were made with the static build of @ffmpeg-installer/ffmpeg
// 1.1.0 (`npx -y @ffmpeg-installer/ffmpeg` not needed: point FFMPEG_PATH at any ffmpeg ≥ 4); it is not a
// dependency because its published package carries a stray credentials file. Every input is a lavfi test source (testsrc pattern, sine tone), encoded single-threaded
// with bitexact flags and no metadata, so a re-run with the same ffmpeg build reproduces the same bytes.
// Prints each file's size and sha256.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "tests", "fixtures", "media");

function ffmpegPath(): string {
  const bin = process.env.FFMPEG_PATH || "ffmpeg";
  if (bin.includes("/")) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      throw new Error(`FFMPEG_PATH=${bin} is not an executable file`);
    }
  }
  return bin;
}

async function encoders(ffmpeg: string): Promise<Set<string>> {
  const { stdout } = await run(ffmpeg, ["-hide_banner", "-encoders"], { maxBuffer: 4 << 20 });
  const names = new Set<string>();
  for (const line of stdout.split("\n")) {
    const m = /^ [VAS][F.][S.][X.][B.][D.] (\S+)/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

function pick(available: Set<string>, ...candidates: string[]): string {
  const found = candidates.find((c) => available.has(c));
  if (!found) throw new Error(`this ffmpeg build has none of the encoders ${candidates.join(", ")}`);
  return found;
}

// Output options for reproducible bytes: no encoder/muxer version strings, no creation times, no
// metadata copied from the inputs, one thread (x264/libvpx output can depend on threading).
const BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", "-threads", "1"];

const testsrc = (size: string, rate: number, seconds?: number) => [
  "-f", "lavfi", "-i", `testsrc=size=${size}:rate=${rate}${seconds ? `:duration=${seconds}` : ""}`,
];
const tone = (sampleRate: number, seconds: number) => [
  "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=${sampleRate}:duration=${seconds}`,
];

async function main(): Promise<void> {
  const ffmpeg = ffmpegPath();
  const enc = await encoders(ffmpeg);
  const h264 = pick(enc, "libx264", "mpeg4");
  // x264 writes its version and full option string into an SEI NAL unit: drop SEI (type 6) so the bytes do
  // not change with the x264 build. Only for h264.
  const h264Opts = h264 === "libx264"
    ? ["-c:v", "libx264", "-preset", "veryslow", "-crf", "35", "-pix_fmt", "yuv420p", "-bsf:v", "filter_units=remove_types=6"]
    : ["-c:v", "mpeg4", "-q:v", "20"];
  const webmVideo = pick(enc, "libvpx-vp9", "libvpx");
  const webmAudio = pick(enc, "libopus", "libvorbis");
  const vorbis = pick(enc, "libvorbis", "vorbis");
  const mp3 = pick(enc, "libmp3lame");

  // 1 s, 64x48 @ 10 fps + 440 Hz mono 8 kHz.
  const clip = [...testsrc("64x48", 10, 1), ...tone(8000, 1), "-map", "0:v", "-map", "1:a"];
  const aac = ["-c:a", "aac", "-b:a", "12k", "-ac", "1"];
  const jobs: { file: string; args: string[]; note: string }[] = [
    { file: "clip.mp4", args: [...clip, ...h264Opts, ...aac], note: `${h264} + aac` },
    { file: "clip.mov", args: [...clip, ...h264Opts, ...aac], note: `${h264} + aac (QuickTime brand)` },
    {
      file: "clip.webm",
      args: [
        ...clip,
        ...(webmVideo === "libvpx-vp9"
          ? ["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "50", "-deadline", "good", "-cpu-used", "4"]
          : ["-c:v", "libvpx", "-b:v", "30k", "-deadline", "good", "-cpu-used", "4"]),
        ...(webmAudio === "libopus" ? ["-c:a", "libopus", "-b:a", "8k"] : ["-c:a", "libvorbis", "-q:a", "0"]),
        "-ac", "1",
      ],
      note: `${webmVideo} + ${webmAudio}`,
    },
    {
      file: "clip.mkv",
      args: [...clip, "-c:v", "mpeg4", "-q:v", "20", "-c:a", vorbis, "-q:a", "0", "-ac", "1"],
      note: `mpeg4 + ${vorbis}`,
    },
    // 0.5 s tones. mp3: 22.05 kHz stereo (LAME pads to whole frames, so it probes a little longer).
    { file: "tone.mp3", args: [...tone(22050, 0.5), "-c:a", mp3, "-b:a", "32k", "-ac", "2"], note: `${mp3} 22.05 kHz stereo` },
    { file: "tone.wav", args: [...tone(8000, 0.5), "-c:a", "pcm_s16le", "-ac", "1"], note: "pcm_s16le 8 kHz mono" },
    // Most of the FLAC's size is the 8 KiB PADDING block ffmpeg's muxer always writes.
    { file: "tone.flac", args: [...tone(8000, 0.5), "-c:a", "flac", "-compression_level", "12", "-ac", "2"], note: "flac 8 kHz stereo" },
    // Audio with cover art: the picture is a video stream with disposition attached_pic, not video.
    {
      file: "cover.mp3",
      args: [
        ...tone(22050, 0.5), ...testsrc("32x24", 1, 1), "-map", "0:a", "-map", "1:v", "-frames:v", "1",
        "-c:a", mp3, "-b:a", "32k", "-ac", "1", "-c:v", "png", "-disposition:v", "attached_pic", "-id3v2_version", "3",
      ],
      note: `${mp3} 22.05 kHz mono + png cover art`,
    },
    { file: "still.png", args: [...testsrc("32x24", 1), "-frames:v", "1", "-c:v", "png"], note: "png 32x24" },
    {
      file: "still.jpg",
      args: [...testsrc("32x24", 1), "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p"],
      note: "mjpeg 32x24",
    },
  ];

  mkdirSync(OUT, { recursive: true });
  for (const job of jobs) {
    const target = path.join(OUT, job.file);
    try {
      await run(ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...job.args, ...BITEXACT, target], {
        maxBuffer: 4 << 20,
        timeout: 60_000,
        killSignal: "SIGKILL",
      });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`ffmpeg failed for ${job.file}: ${(err.stderr || err.message).trim().split("\n").slice(-3).join(" | ")}`);
    }
    const bytes = readFileSync(target);
    const sha = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    console.log(`${job.file.padEnd(10)} ${String(bytes.length).padStart(6)} B  sha256:${sha}  ${job.note}`);
  }
  console.log(`wrote ${jobs.length} files to ${path.relative(process.cwd(), OUT) || "."}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
