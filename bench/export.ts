/**
 * `npm run bench -- export`: generates N segment results (default 100,000) directly in a fresh embedded
 * database, then exports them to an S3-emulator connector in each format. Each export runs in a child
 * process that does nothing else (bench/lib/export-child.ts: the worker's own code path, one attempt),
 * so its peak RSS (VmHWM) is the export's. Prints rows/s, MB/s and peak RSS; goal peak RSS < 300 MB.
 * A measurement: exits 0 even when the goal is missed (prints MISS).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { HeadObjectCommand, CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { readEmulatorEnv, startEmulators, type Emulators } from "../scripts/emulators/index";
import { commandLine } from "./lib/cli";
import { loadAverage } from "./lib/proc";
import { appendResults, RESULTS_FILE } from "./lib/results";
import { table } from "./lib/stats";
import { envWithMemorySettings, memorySettings } from "../lib/config/heap";

const RSS_GOAL_MB = 300;
const HELP = `Usage: npm run bench -- export [options]

  --segments N        segment results to generate (default 100000)
  --per-video N       segments per video (default 100)
  --formats LIST      comma-separated (default json,jsonl,csv)
  --destinations LIST s3 (a connector on the S3 emulator) and/or download (Gantry's local media store); default s3
  --child-node-options LIST  NODE_OPTIONS of the export process, ';'-separated variants, each run for every
                      format. Default "worker": what \`npm run worker\` runs with (--max-old-space-size from
                      GANTRY_MAX_OLD_SPACE_MB, default 1024, and MALLOC_MMAP_THRESHOLD_); "node-default": Node's and glibc's own memory settings;
                      e.g. "worker;node-default;--max-old-space-size=96" runs all three
  --no-record         do not append to bench/RESULTS.md
  --note TEXT         free text recorded with the run`;

const log = (m: string) => console.log(`[bench] ${m}`);
const MB = 1e6;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    segments: { type: "string", default: "100000" }, "per-video": { type: "string", default: "100" },
    formats: { type: "string", default: "json,jsonl,csv" }, destinations: { type: "string", default: "s3" }, "child-node-options": { type: "string", default: "worker" }, "no-record": { type: "boolean", default: false },
    note: { type: "string" }, help: { type: "boolean", default: false },
  } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const total = Number(values.segments);
  const perVideo = Number(values["per-video"]);
  const formats = values.formats!.split(",") as Array<"json" | "jsonl" | "csv">;

  // Everything below shares these with the child processes (same database, same secrets).
  process.env.GANTRY_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), "gantry-bench-export-"));
  process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
  process.env.GANTRY_KEK ??= `v1:${randomBytes(32).toString("base64")}`;
  process.env.GANTRY_OUTBOUND_ALLOWLIST = "127.0.0.1,localhost";
  process.env.GANTRY_LOG_LEVEL = "warn";
  process.env.GANTRY_EXPORT_MAX_BYTES = String(1024 ** 3); // measure, do not cap

  const { startEmbeddedDatabase } = await import("../lib/db/embedded");
  const { deployMigrations } = await import("../lib/db/migrate");
  const database = await startEmbeddedDatabase({ memory: true, installSignalHandlers: false, maxConnections: 50 });
  process.env.DATABASE_URL = database.url;
  await deployMigrations(database.url, { quiet: true });

  let emulators: Emulators | undefined;
  let s3 = readEmulatorEnv().s3;
  if (!s3) {
    emulators = await startEmulators({ only: ["s3"] });
    s3 = readEmulatorEnv(emulators.toEnv()).s3!;
  }
  const rows: string[][] = [];
  const results: Array<{ format: string; variant: string; ms: number; bytes: number; segments: number; peakRssKb: number; ok: boolean }> = [];
  try {
    const { db } = await import("../lib/db");
    const { createUserWithWorkspace } = await import("../lib/auth/users");
    const { createS3Connector } = await import("../lib/connectors/create-connector");
    const { createIndexExport } = await import("../lib/exports/create-export");
    const { newId } = await import("../lib/ids");

    const bucket = `bench-export-${Date.now().toString(36)}`;
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const { workspaceId } = await createUserWithWorkspace({ email: `bench-${Date.now()}@example.test`, password: "bench password 123" });
    const indexId = newId("idx");
    await db.index.create({ data: { id: indexId, workspaceId, name: "bench" } });
    const connector = await createS3Connector(workspaceId, {
      name: "bench", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey,
      endpoint: s3.endpoint, force_path_style: true, scopes: ["export"], export_base_path: "bench", import_mode: "all",
    } as never);

    const t0 = Date.now();
    await seed(db, newId, workspaceId, indexId, total, perVideo);
    log(`seeded ${total} segments (${Math.ceil(total / perVideo)} videos) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    for (const dest of values.destinations!.split(",")) for (const nodeOptions of values["child-node-options"]!.split(";")) for (const format of formats) {
      const e = await createIndexExport(workspaceId, indexId, { format, ...(dest === "download" ? {} : { destination_connector_id: connector.id }) });
      const r = await runChild(e.id, childEnv(nodeOptions.trim()));
      log(`${format}: heap total peak ${r.heapTotalPeakMb?.toFixed(0)} MB, external+arrayBuffers peak ${r.externalPeakMb?.toFixed(0)} MB`);
      const ok = r.status === "completed";
      if (ok && dest !== "download") {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `bench/${e.id}.${format}` }));
        if (head.ContentLength !== r.bytes) throw new Error(`object size ${head.ContentLength} != recorded ${r.bytes}`);
      }
      const s = r.ms / 1000;
      results.push({ format, variant: nodeOptions.trim(), ms: r.ms, bytes: r.bytes, segments: r.segments, peakRssKb: r.peakRssKb, ok });
      rows.push([format, dest, childEnvLabel(nodeOptions.trim()), ok ? "completed" : `FAILED: ${r.error}`, String(r.segments), (r.bytes / MB).toFixed(1), s.toFixed(1),
        (r.segments / s).toFixed(0), (r.bytes / MB / s).toFixed(2), (r.peakRssKb / 1024).toFixed(0), (r.rssBeforeKb / 1024).toFixed(0),
        r.heapPeakMb.toFixed(0), r.peakRssKb / 1024 < RSS_GOAL_MB ? "ok" : "MISS"]);
      log(`${format}: ${rows[rows.length - 1].join(" | ")}`);
    }
    await db.$disconnect();
  } finally {
    await emulators?.stop();
    await database.stop();
  }

  const header = ["format", "to", "export process memory settings", "result", "segments", "MB", "s", "rows/s", "MB/s", "peak RSS MiB", "RSS at start MiB", "heap peak MB", `< ${RSS_GOAL_MB} MB`];
  const out = table(header, rows);
  console.log(`\n${out}\n`);
  // The goal is the worker's: judged on the rows run with the worker's settings when there are any
  // (other variants are for comparison), else on every row.
  const judged = results.some((r) => r.variant === "worker") ? results.filter((r) => r.variant === "worker") : results;
  const allOk = judged.every((r) => r.ok && r.peakRssKb / 1024 < RSS_GOAL_MB);
  const verdict = `${allOk ? "met" : "MISS"}${judged.length < results.length ? " (judged on the rows run as npm run worker runs; the others are for comparison)" : ""}`;
  console.log(`goal peak RSS < ${RSS_GOAL_MB} MB: ${verdict}`);
  if (!values["no-record"]) {
    appendResults([
      `## export — ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
      "",
      `Command: \`${commandLine("export", argv)}\``,
      `Load average (1, 5, 15 min) at the end: ${loadAverage()}; ${os.cpus().length} CPUs; S3 emulator ${s3.kind}.`,
      `${total} segment results in ${Math.ceil(total / perVideo)} videos, exported (column "to": s3 = a connector on the S3 emulator, download = Gantry's local media store); each export in a child`,
      "process running the worker's export code (one attempt) and nothing else; peak RSS = that process's VmHWM.",
      ...(values.note ? [`Note: ${values.note}`] : []),
      "",
      out,
      "",
      `Goal (peak RSS < ${RSS_GOAL_MB} MB): ${verdict}.`,
    ].join("\n"));
    log(`recorded in ${RESULTS_FILE}`);
  }
  return 0;
}

/** Videos, one finished run, results and segments, inserted in statements well under 64 KiB. */
async function seed(db: any, newId: (p: "vid" | "run" | "seg" | "prompt") => string, workspaceId: string, indexId: string, total: number, perVideo: number) {
  const runId = newId("run");
  const nVideos = Math.ceil(total / perVideo);
  await db.promptRun.create({ data: {
    id: runId, workspaceId, promptId: newId("prompt"), indexId, status: "completed", processingModel: "probe", engine: "probe",
    promptSnapshot: { name: "bench" }, targetType: "index", videoCount: nVideos, completedVideos: nVideos, completedAt: new Date(),
  } });
  const BATCH_BYTES = 24 * 1024;
  const insert = async (model: { createMany(a: { data: object[] }): Promise<unknown> }, rows: object[]) => {
    let batch: object[] = [];
    let size = 0;
    for (const r of rows) {
      batch.push(r);
      size += JSON.stringify(r, (_k, x) => (typeof x === "bigint" ? String(x) : x)).length + 40;
      if (size >= BATCH_BYTES) {
        await model.createMany({ data: batch });
        batch = [];
        size = 0;
      }
    }
    if (batch.length) await model.createMany({ data: batch });
  };
  let made = 0;
  for (let v0 = 0; v0 < nVideos; v0 += 50) {
    const videos = [];
    const results = [];
    const segments = [];
    for (let v = v0; v < Math.min(nVideos, v0 + 50); v++) {
      const videoId = newId("vid");
      const resultId = newId("seg");
      videos.push({ id: videoId, workspaceId, indexId, title: `clip ${v}`, videoUri: `s3://footage/raw/clip${v}.mp4`, storageKey: `${videoId}.mp4`,
        mediaType: "video", durationSeconds: perVideo * 10, sizeBytes: BigInt(50_000_000 + v), contentType: "video/mp4", sourcePath: `raw/clip${v}.mp4`,
        sourceEtag: `"${v.toString(16).padStart(32, "0")}"`, checksumSha256: "ab".repeat(32),
        metadata: { container: "mp4", duration: perVideo * 10, bit_rate: 4_000_000, video: { codec: "h264", width: 1920, height: 1080, frame_rate: 25 }, audio: { codec: "aac", channels: 2, sample_rate: 48000 } } });
      results.push({ id: resultId, runId, videoId, status: "completed", engine: "probe", videoResult: { summary: `video ${v}: a street scene with cars`, scenes: perVideo }, completedAt: new Date() });
      for (let s = 0; s < perVideo && made < total; s++, made++) {
        segments.push({ id: newId("seg"), resultId, runId, ordinal: s, startSeconds: s * 10, endSeconds: s * 10 + 10, status: "completed",
          data: { label: `scene ${s}`, description: `Segment ${s} of clip ${v}: a car passes, "quoted", with commas`, objects: ["car", "tree", "person"],
            confidence: Math.round(Math.random() * 1000) / 1000, frame: { mean_luma: 112.5, motion: 0.31 } } });
      }
    }
    await insert(db.video, videos);
    await insert(db.promptRunVideo, results);
    await insert(db.promptRunSegment, segments);
  }
}

/**
 * The export process's environment for a variant: "worker" = what the launcher gives `npm run worker`
 * (lib/config/heap.ts), "node-default" = Node's and glibc's own settings, anything else = NODE_OPTIONS.
 */
function childEnv(variant: string): Record<string, string> {
  const base = { ...process.env, NODE_OPTIONS: "" } as Record<string, string>;
  delete base.MALLOC_MMAP_THRESHOLD_;
  if (variant === "worker") return envWithMemorySettings(base, memorySettings(base, [])) as Record<string, string>;
  return { ...base, NODE_OPTIONS: variant === "node-default" ? "" : variant };
}

function childEnvLabel(variant: string): string {
  if (variant === "worker") {
    const e = childEnv(variant);
    return `as npm run worker (${[e.NODE_OPTIONS, e.MALLOC_MMAP_THRESHOLD_ ? `MALLOC_MMAP_THRESHOLD_=${e.MALLOC_MMAP_THRESHOLD_}` : ""].filter(Boolean).join(" ") || "defaults"})`;
  }
  return variant === "node-default" || variant === "" ? "Node's defaults" : variant;
}

function runChild(exportId: string, env: Record<string, string>): Promise<{ heapTotalPeakMb?: number; externalPeakMb?: number; ms: number; status: string; error: string | null; bytes: number; segments: number; peakRssKb: number; rssBeforeKb: number; heapPeakMb: number }> {
  return new Promise((resolve, reject) => {
    const tsx = path.resolve("node_modules/.bin/tsx");
    const child = spawn(tsx, [path.resolve("bench/lib/export-child.ts"), exportId], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`export child exited ${code}: ${out}`));
      }
    });
  });
}
