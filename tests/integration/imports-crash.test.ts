import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { fixture, waitForJob } from "../helpers/imports";
import { s3Client, seedS3, uniqueName } from "../helpers/storage-seed";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { db } from "@/lib/db";

const ROOT = path.resolve(__dirname, "../..");
const FILES = 500;
let emu: StorageEmulators;
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  // node itself with tsx's loader (not the tsx CLI, which runs the script in a child): the pid is the
  // worker's own, so SIGKILL really kills the worker.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      GANTRY_IMPORT_LEASE_SECONDS: "5",
      GANTRY_IMPORT_STEP_SECONDS: "5",
      GANTRY_JOBS_MAINTENANCE_SECONDS: "1",
      GANTRY_WORKER_POLL_SECONDS: "0.5",
      GANTRY_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  emu = await useStorageEmulators(["s3"]);
}, 120_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await emu?.stop();
});

describe("crash safety", () => {
  it(`a worker SIGKILLed in the middle of a ${FILES}-file import: a new worker finishes it, every file exactly once`, async () => {
    const w = await newWorkspace();
    const s3 = emu.env.s3!;
    const bucket = uniqueName("crash").toLowerCase();
    await seedS3(s3, bucket, {});
    const client = s3Client(s3);
    const body = fixture("still.png");
    for (let i = 0; i < FILES; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, FILES - i) }, (_, k) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: `batch/f-${String(i + k).padStart(4, "0")}.png`, Body: body }))));
    }
    const connector = (await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
      name: "crash", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey, endpoint: s3.endpoint,
    } })).body;
    const indexId = (await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "crash" } })).body.index_id;

    const first = startWorkerProcess();
    const job = (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connector.connector_id, index_id: indexId, source_prefix: "batch/" } })).body;

    // Let it get well into the work, then kill it without warning.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const n = await db.importItem.count({ where: { jobId: job.job_id, status: "imported" } });
      if (n >= 100) break;
      if (Date.now() > deadline) throw new Error(`only ${n} files imported before the kill deadline`);
      await new Promise((r) => setTimeout(r, 100));
    }
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const atKill = await db.importItem.count({ where: { jobId: job.job_id, status: "imported" } });
    expect(atKill).toBeLessThan(FILES);

    startWorkerProcess();
    const done = await waitForJob(w.apiKey, job.job_id, 150_000);
    expect(done.status).toBe("completed");
    expect(done.progress).toMatchObject({ total_files: FILES, imported: FILES, failed: 0, skipped: 0, bytes_transferred: FILES * body.length });

    const videos = await db.video.findMany({ where: { indexId }, select: { sourcePath: true, importItemId: true } });
    expect(videos).toHaveLength(FILES);
    expect(new Set(videos.map((v) => v.sourcePath)).size).toBe(FILES);
    expect(await db.importItem.count({ where: { jobId: job.job_id, status: "imported", videoId: { not: null } } })).toBe(FILES);
    // one stored object per file: retried copies overwrite, they never duplicate
    // (the job's files share its directory: <workspace>/<index>/<job>/<item>-<name>)
    expect(readdirSync(path.join(process.env.GANTRY_DATA_DIR!, "media", w.workspaceId, indexId))).toEqual([job.job_id]);
    const stored = readdirSync(path.join(process.env.GANTRY_DATA_DIR!, "media", w.workspaceId, indexId, job.job_id));
    expect(stored).toHaveLength(FILES);
    expect(new Set(videos.map((v) => `${v.importItemId}-`)).size).toBe(FILES);
    for (const v of videos) expect(stored.filter((f) => f.startsWith(`${v.importItemId}-`))).toHaveLength(1);
  }, 240_000);
});
