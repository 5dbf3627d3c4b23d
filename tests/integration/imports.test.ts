import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { fixture, waitForJob } from "../helpers/imports";
import { seedS3, uniqueName } from "../helpers/storage-seed";
import { startReceiver } from "../helpers/webhook-receiver";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import "@/lib/jobs/all";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker";

let emu: StorageEmulators;
let worker: RunningWorker;
let w: Awaited<ReturnType<typeof newWorkspace>>;
let connectorId: string;
let bucket: string;

/** The MP4 fixture followed by a `free` box: a real MP4 of `size` bytes (past the 1 MiB small-file path). */
function paddedClip(size: number): Buffer {
  const clip = fixture("clip.mp4");
  const box = Buffer.alloc(size - clip.length, 7);
  box.writeUInt32BE(box.length, 0);
  box.write("free", 4, "latin1");
  return Buffer.concat([clip, box]);
}
const LARGE = paddedClip(1_500_000);

const FILES: Record<string, Buffer | string> = {
  "large/clip.mp4": LARGE,
  "footage/clip.mp4": fixture("clip.mp4"),
  "footage/day2/clip.mov": fixture("clip.mov"),
  "footage/audio/tone.mp3": fixture("tone.mp3"),
  "footage/stills/still.png": fixture("still.png"),
  "footage/readme.txt": "not media",
  "footage/empty.mp4": "",
  "footage/broken.mp4": "this is not an mp4 file at all",
};

beforeAll(async () => {
  emu = await useStorageEmulators(["s3"]);
  worker = await startWorker({ concurrency: 4, pollingIntervalSeconds: 0.5 });
  w = await newWorkspace();
  bucket = uniqueName("imp").toLowerCase();
  await seedS3(emu.env.s3!, bucket, FILES);
  const s3 = emu.env.s3!;
  const c = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
    name: "src", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey, endpoint: s3.endpoint,
  } });
  connectorId = c.body.connector_id;
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await emu?.stop();
});

async function newIndex(name = "idx") {
  return (await api("POST", "indexes", { apiKey: w.apiKey, json: { name } })).body.index_id as string;
}

/** An import job row of this suite's workspace and connector, with no queue job (the test drives it): every file, recursive, mode all unless `fields` say otherwise. */
async function jobRow(indexId: string, fields: Partial<Prisma.ImportJobUncheckedCreateInput> & { status: string }) {
  const { newId } = await import("@/lib/ids");
  return db.importJob.create({ data: {
    id: newId("job"), workspaceId: w.workspaceId, connectorId, indexId, sourcePrefix: "", filePattern: "*", recursive: true, importMode: "all", ...fields,
  } });
}

/** The runner slots ever queued for a job, one per queue row (duplicates show), and what one start queues. */
async function runnerSlots(jobId: string) {
  const { sql } = await import("@/lib/db");
  const { JOBS_SCHEMA } = await import("@/lib/jobs/queue");
  const rows = await sql<{ slot: number }>(`SELECT (data->>'slot')::int AS slot FROM ${JOBS_SCHEMA}.job WHERE name = 'imports.run' AND data->>'jobId' = $1 ORDER BY 1`, [jobId]);
  return rows.map((r) => r.slot);
}
async function oneStart() {
  const { importSettings } = await import("@/lib/imports/settings");
  return Array.from({ length: importSettings.concurrency }, (_, i) => i);
}

describe("import jobs", () => {
  it("imports every matching file once, probes it, skips what it must, and lists failures", async () => {
    const { threadCopyCounts } = await import("@/lib/imports/copy-thread");
    const served = threadCopyCounts.served;
    const indexId = await newIndex();
    const created = await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      job_id: expect.stringMatching(/^job_/), connector_id: connectorId, target_index_id: indexId, source_prefix: "footage/", file_pattern: "*",
      recursive: true, import_mode: "all", automation_id: null, prompt_run_id: null,
    });
    expect(["pending", "scanning", "importing"]).toContain(created.body.status);

    const job = await waitForJob(w.apiKey, created.body.job_id);
    expect(job.status).toBe("completed");
    expect(job.progress).toMatchObject({ total_files: 7, imported: 4, failed: 1, skipped: 2, current_file: null });
    expect(job.progress.bytes_transferred).toBe(["clip.mp4", "clip.mov", "tone.mp3", "still.png"].reduce((n, f) => n + fixture(f).length, 0));
    expect(job.failed_files).toEqual([{ path: "footage/broken.mp4", error: expect.stringContaining("unreadable media") }]);
    expect(job.skipped_files.sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path))).toEqual([
      { path: "footage/empty.mp4", reason: "empty_file" },
      { path: "footage/readme.txt", reason: "unsupported_media_type" },
    ]);
    expect(job.video_ids).toHaveLength(4);
    expect(job.started_at).not.toBeNull();
    expect(job.completed_at).not.toBeNull();

    const videos = await Promise.all(job.video_ids.map((id: string) => api("GET", `videos/${id}`, { apiKey: w.apiKey })));
    const byPath = Object.fromEntries(videos.map((v) => [v.body.source.path, v.body]));
    const mp4 = byPath["footage/clip.mp4"];
    expect(mp4).toMatchObject({
      index_id: indexId, title: "clip", media_type: "video", status: "ready", size_bytes: fixture("clip.mp4").length, content_type: "video/mp4",
      source: { connector_id: connectorId, path: "footage/clip.mp4", import_job_id: job.job_id },
      checksum_sha256: createHash("sha256").update(fixture("clip.mp4")).digest("hex"),
    });
    expect(mp4.duration_seconds).toBeGreaterThan(0.5);
    expect(mp4.metadata.video).toMatchObject({ width: 64, height: 48 });
    expect(byPath["footage/audio/tone.mp3"].media_type).toBe("audio");
    expect(byPath["footage/stills/still.png"].media_type).toBe("image");
    // the bytes are in the media store, identical
    expect(mp4.video_uri).toMatch(/^file:\/\//);
    expect(readFileSync(fileURLToPath(mp4.video_uri)).equals(fixture("clip.mp4"))).toBe(true);
    // The small files came through a copy thread in batches (the broken one too: its probe failed it) —
    // the MP4 probed in memory, the others by ffprobe on the file in place — and the failed file's bytes
    // were not left in the job's directory of the media store.
    expect(threadCopyCounts.served - served).toBe(5);
    expect(readdirSync(path.dirname(fileURLToPath(mp4.video_uri))).sort()).toEqual(
      videos.map((v) => path.basename(fileURLToPath(v.body.video_uri))).sort(),
    );

    const page = await api("GET", `indexes/${indexId}/videos?limit=2`, { apiKey: w.apiKey });
    expect(page.body.data).toHaveLength(2);
    expect(page.body.pagination).toMatchObject({ limit: 2, has_more: true, next_cursor: expect.any(String) });

    const events = await db.event.findMany({ where: { workspaceId: w.workspaceId, indexId }, orderBy: { id: "asc" } });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === "media.created")).toHaveLength(4);
    expect(types).toContain("import_job.started");
    expect(types).toContain("import_job.partial_completed");
  });

  it("copies a file past the small-file size in a copy thread (a signed plain GET), hashed and stored byte for byte", async () => {
    const { threadCopyCounts } = await import("@/lib/imports/copy-thread");
    const before = threadCopyCounts.served;
    const indexId = await newIndex();
    const created = await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "large/" } });
    const job = await waitForJob(w.apiKey, created.body.job_id);
    expect(job).toMatchObject({ status: "completed", progress: { imported: 1, failed: 0, bytes_transferred: LARGE.length } });
    expect(threadCopyCounts.served).toBe(before + 1);
    const v = (await api("GET", `videos/${job.video_ids[0]}`, { apiKey: w.apiKey })).body;
    expect(v).toMatchObject({ size_bytes: LARGE.length, checksum_sha256: createHash("sha256").update(LARGE).digest("hex"), media_type: "video" });
    expect(v.duration_seconds).toBeGreaterThan(0.5);
    expect(readFileSync(fileURLToPath(v.video_uri)).equals(LARGE)).toBe(true);
  });

  it("with a webhook subscribed to media.created, each imported file's event is delivered (the transactional path)", async () => {
    const receiver = await startReceiver();
    try {
      const hook = await api("POST", "webhooks", { apiKey: w.apiKey, json: { name: "media", url: receiver.url("/media"), events: ["media.created"] } });
      expect(hook.status, hook.text).toBe(201);
      const indexId = await newIndex("hooked");
      const created = await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/" } });
      const job = await waitForJob(w.apiKey, created.body.job_id);
      expect(job.progress).toMatchObject({ imported: 4, failed: 1, skipped: 2 });
      const got = await receiver.waitFor("/media", 4);
      const delivered = got.map((r) => r.json).filter((j) => j.data.index_id === indexId);
      expect(delivered.map((j) => j.data.video_id).sort()).toEqual([...job.video_ids].sort());
      expect(delivered.every((j) => j.event === "media.created" && j.data.import_job_id === job.job_id)).toBe(true);
      const events = await db.event.findMany({ where: { workspaceId: w.workspaceId, indexId, type: "media.created" } });
      expect(events).toHaveLength(4);
      // every item says imported, with its video
      const items = await db.importItem.findMany({ where: { jobId: job.job_id, status: "imported" } });
      expect(items.map((i) => i.videoId).sort()).toEqual([...job.video_ids].sort());
      await api("DELETE", `webhooks/${hook.body.webhook_id}`, { apiKey: w.apiKey });
    } finally {
      await receiver.close();
    }
  });

  it("new_only skips files already in the index and imports a changed file", async () => {
    const indexId = await newIndex();
    const first = await waitForJob(w.apiKey, (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/", file_pattern: "*.mp3" } })).body.job_id);
    expect(first.progress.imported).toBe(1);
    const again = await waitForJob(w.apiKey, (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/", file_pattern: "*.mp3", import_mode_override: "new_only" } })).body.job_id);
    expect(again).toMatchObject({ status: "completed", import_mode: "new_only", skipped_files: [{ path: "footage/audio/tone.mp3", reason: "already_imported" }] });
    expect(again.progress.imported).toBe(0);
    // runners start once, when the scan first has files for them: the first job's, none for the rescan
    expect(await runnerSlots(first.job_id)).toEqual(await oneStart());
    expect(await runnerSlots(again.job_id)).toEqual([]);
    expect((await db.importJob.findUniqueOrThrow({ where: { id: first.job_id } })).runnersStarted).toBe(true);
    // a new version of the same path is new
    await seedS3(emu.env.s3!, bucket, { "footage/audio/tone.mp3": fixture("tone.wav") });
    const changed = await waitForJob(w.apiKey, (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/", file_pattern: "*.mp3", import_mode_override: "new_only" } })).body.job_id);
    expect(changed.progress.imported).toBe(1);
    expect(await db.video.count({ where: { indexId } })).toBe(2);
    await seedS3(emu.env.s3!, bucket, { "footage/audio/tone.mp3": fixture("tone.mp3") });
  });

  it("two new_only jobs racing over the same files import each file once", async () => {
    const indexId = await newIndex();
    const body = { connector_id: connectorId, index_id: indexId, source_prefix: "footage/", file_pattern: "*.{mp4,mov,png}", import_mode_override: "new_only" };
    const [a, b] = await Promise.all([api("POST", "import-jobs", { apiKey: w.apiKey, json: body }), api("POST", "import-jobs", { apiKey: w.apiKey, json: body })]);
    const [ja, jb] = await Promise.all([waitForJob(w.apiKey, a.body.job_id), waitForJob(w.apiKey, b.body.job_id)]);
    expect(ja.progress.imported + jb.progress.imported).toBe(3);
    // what one job imported the other skipped, by its listing or at import time (two tables, one count);
    // both skipped the empty file
    expect(ja.progress.skipped + jb.progress.skipped).toBe(3 + 2);
    expect([...ja.skipped_files, ...jb.skipped_files].map((f: { path: string; reason: string }) => `${f.path} ${f.reason}`).sort()).toEqual([
      ...["footage/clip.mp4", "footage/day2/clip.mov"].map((p) => `${p} already_imported`),
      "footage/empty.mp4 empty_file", "footage/empty.mp4 empty_file",
      "footage/stills/still.png already_imported",
    ]);
    const videos = await db.video.findMany({ where: { indexId }, select: { sourcePath: true } });
    expect(videos.map((v) => v.sourcePath).sort()).toEqual(["footage/clip.mp4", "footage/day2/clip.mov", "footage/stills/still.png"]);
  });

  it("retries only the failed files; cancelling a finished job is a 409", async () => {
    const indexId = await newIndex();
    const job = await waitForJob(w.apiKey, (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/", file_pattern: "*.mp4" } })).body.job_id);
    expect(job.progress).toMatchObject({ imported: 1, failed: 1, skipped: 1 });
    const cancel = await api("POST", `import-jobs/${job.job_id}/cancel`, { apiKey: w.apiKey });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("invalid_state_transition");
    // fix the broken file at the source, then retry: only it runs again
    await seedS3(emu.env.s3!, bucket, { "footage/broken.mp4": fixture("clip.mp4") });
    const items = await db.importItem.findMany({ where: { jobId: job.job_id, status: "failed" } });
    await db.importItem.updateMany({ where: { id: { in: items.map((i) => i.id) } }, data: { sizeBytes: BigInt(fixture("clip.mp4").length) } });
    // two retries at once: one reopens the job, the other is refused (not a second set of runners)
    const retries = await Promise.all([0, 1].map(() => api("POST", `import-jobs/${job.job_id}/retry`, { apiKey: w.apiKey })));
    expect(retries.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(retries.find((r) => r.status === 409)!.body.error.code).toBe("invalid_state_transition");
    const done = await waitForJob(w.apiKey, job.job_id);
    expect(done.progress).toMatchObject({ imported: 2, failed: 0, skipped: 1 });
    expect(done.failed_files).toEqual([]);
    // one set of runners for the job's first run, one for its retry
    expect(await runnerSlots(job.job_id)).toEqual((await oneStart()).flatMap((slot) => [slot, slot]));
    expect(await db.video.count({ where: { indexId } })).toBe(2);
    await seedS3(emu.env.s3!, bucket, { "footage/broken.mp4": "this is not an mp4 file at all" });
  });

  it("pages through items with a status filter", async () => {
    const indexId = await newIndex();
    const job = await waitForJob(w.apiKey, (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/" } })).body.job_id);
    const p1 = await api("GET", `import-jobs/${job.job_id}/items?limit=4`, { apiKey: w.apiKey });
    // one at a time: every page boundary, on an item or on a skipped file, continues where it should
    const one: string[] = [];
    for (let cursor = ""; ; ) {
      const p = await api("GET", `import-jobs/${job.job_id}/items?limit=1${cursor ? `&cursor=${cursor}` : ""}`, { apiKey: w.apiKey });
      one.push(...p.body.data.map((i: { item_id: string }) => i.item_id));
      if (!p.body.pagination.has_more) break;
      cursor = p.body.pagination.next_cursor;
    }
    const p2 = await api("GET", `import-jobs/${job.job_id}/items?limit=4&cursor=${p1.body.pagination.next_cursor}`, { apiKey: w.apiKey });
    expect(p1.body.data).toHaveLength(4);
    expect(p2.body.data).toHaveLength(3);
    expect(p2.body.pagination.has_more).toBe(false);
    // the listing's skipped files (their own table) and the other items page as one list, in listing order
    type Item = { item_id: string; path: string; status: string };
    const all: Item[] = [...p1.body.data, ...p2.body.data];
    expect(all.map((i) => i.path)).toEqual(all.map((i) => i.path).sort());
    expect(new Set(all.map((i) => i.item_id)).size).toBe(7);
    expect(one).toEqual(all.map((i) => i.item_id));
    expect(all.find((i) => i.path === "footage/empty.mp4")).toMatchObject({ status: "skipped", reason: "empty_file", attempts: 0, video_id: null, size_bytes: 0 });
    const skipped = await api("GET", `import-jobs/${job.job_id}/items?status=skipped`, { apiKey: w.apiKey });
    expect(skipped.body.data.map((i: { reason: string }) => i.reason).sort()).toEqual(["empty_file", "unsupported_media_type"]);
    const failed = await api("GET", `import-jobs/${job.job_id}/items?status=failed`, { apiKey: w.apiKey });
    expect(failed.body.data.map((i: Item) => i.path)).toEqual(["footage/broken.mp4"]);
  });

  it("refuses connectors without import scope (422) or disabled (409), and lists/filter jobs", async () => {
    const indexId = await newIndex();
    const s3 = emu.env.s3!;
    const exportOnly = (await api("POST", "connectors/s3", { apiKey: w.apiKey, json: { name: "x", bucket, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey, endpoint: s3.endpoint, scopes: ["export"] } })).body;
    const res = await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: exportOnly.connector_id, index_id: indexId } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("connector_scope_missing");
    await api("PATCH", `connectors/${exportOnly.connector_id}`, { apiKey: w.apiKey, json: { scopes: ["import"], status: "disabled" } });
    expect((await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: exportOnly.connector_id, index_id: indexId } })).status).toBe(409);
    expect((await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: "idx_00000000000000000000000000" } })).status).toBe(404);
    const list = await api("GET", "import-jobs?status=completed&limit=2", { apiKey: w.apiKey });
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.body.every((j: { status: string }) => j.status === "completed")).toBe(true);
  });

  it("deletes a video (and its stored bytes) with admin scope; batch status reports found and missing", async () => {
    const indexId = await newIndex();
    const job = await waitForJob(w.apiKey, (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/stills/" } })).body.job_id);
    const [vid] = job.video_ids;
    const status = await api("POST", "videos/batch/status", { apiKey: w.apiKey, json: { video_ids: [vid, "vid_00000000000000000000000000"] } });
    expect(status.body).toEqual([{ video_id: vid, status: "ready", found: true }, { video_id: "vid_00000000000000000000000000", status: null, found: false }]);
    const v = await api("GET", `videos/${vid}`, { apiKey: w.apiKey });
    const del = await api("DELETE", `videos/${vid}`, { apiKey: w.apiKey });
    expect(del.status).toBe(200);
    expect((await api("GET", `videos/${vid}`, { apiKey: w.apiKey })).status).toBe(404);
    expect(() => readFileSync(fileURLToPath(v.body.video_uri))).toThrow();
  });

  it("counts videos on the index (+) and deleting the index removes its stored media", async () => {
    const indexId = await newIndex();
    const job = await waitForJob(w.apiKey, (await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: connectorId, index_id: indexId, source_prefix: "footage/", file_pattern: "*.{mp3,png}" } })).body.job_id);
    expect(job.progress.imported).toBe(2);
    expect((await api("GET", `indexes/${indexId}`, { apiKey: w.apiKey })).body.video_count).toBe(2);
    const v = await api("GET", `videos/${job.video_ids[0]}`, { apiKey: w.apiKey });
    expect((await api("DELETE", `indexes/${indexId}`, { apiKey: w.apiKey })).status).toBe(200);
    expect(await db.video.count({ where: { indexId } })).toBe(0);
    expect(() => readFileSync(fileURLToPath(v.body.video_uri))).toThrow();
  });
});

describe("new_only source keys", () => {
  it("new_only skips exactly the files whose source key (index, connector, path, version) a video of the index holds", async () => {
    const { recordListedFiles, sourceKeyOf } = await import("@/lib/imports/classify");
    const { newId } = await import("@/lib/ids");
    const indexId = await newIndex("source-keys");
    const odd = `hello? sausage/êé/Hello, 世界/ " ' @ < > & ? + ≠/z.mp4`;
    const at = new Date();
    const file = (path: string, version: string) => ({ path, size: 10, lastModified: at, contentType: null, version, etag: null });
    const held = [file(odd, "v1"), file("line\nbreak\\back'quote.mov", "v\n2")];
    for (const f of held) {
      await db.video.create({ data: {
        id: newId("vid"), workspaceId: w.workspaceId, indexId, title: f.path, videoUri: "file:///x", storageKey: "x", mediaType: "video", sizeBytes: 10n,
        sourceKey: sourceKeyOf(indexId, connectorId, f.path, f.version),
      } });
    }
    const jobId = newId("job");
    const job = await jobRow(indexId, { id: jobId, importMode: "new_only", status: "scanning" });
    // the held files, a held path in another version, and a file no video holds
    const files = [...held, file(odd, "v2"), file("other.mp4", "v1")];
    expect(await recordListedFiles(job, files)).toBe(2);
    const items = await db.importItem.findMany({ where: { jobId } });
    const byKey = new Map(items.map((i) => [`${i.path}|${i.version}`, [i.status, i.reason]]));
    expect(byKey.get(`${odd}|v1`)).toEqual(["skipped", "already_imported"]);
    expect(byKey.get("line\nbreak\\back'quote.mov|v\n2")).toEqual(["skipped", "already_imported"]);
    expect(byKey.get(`${odd}|v2`)).toEqual(["pending", null]);
    expect(byKey.get("other.mp4|v1")).toEqual(["pending", null]);
    // mode "all" records every file for import, held or not
    const all = await db.importJob.create({ data: { ...job, id: newId("job"), importMode: "all" } });
    expect(await recordListedFiles(all, files)).toBe(4);
  });
});

describe("recording a listing page", () => {
  it("classifies in the insert (listing-only reasons), adds each file once, and adds nothing to a job no longer active", async () => {
    const { recordListedFiles } = await import("@/lib/imports/classify");
    const { newId } = await import("@/lib/ids");
    const indexId = await newIndex("record-page");
    const jobId = newId("job");
    const job = await jobRow(indexId, { id: jobId, importMode: "new_only", status: "cancelled" });
    const at = new Date();
    const file = (path: string, size: number) => ({ path, size, lastModified: at, contentType: null, version: `v-${path}`, etag: `e-${path}` });
    const files = [file("a.mp4", 10), file("notes.txt", 10), file("empty.mov", 0), file("b.mp4", 20)];
    expect(await recordListedFiles(job, files)).toBe(0);
    expect(await db.importItem.count({ where: { jobId } })).toBe(0);
    await db.importJob.update({ where: { id: jobId }, data: { status: "scanning" } });
    expect(await recordListedFiles(job, files)).toBe(2);
    expect(await recordListedFiles(job, files)).toBe(0); // the same page again (a crashed scan step) adds nothing
    const items = await db.importItem.findMany({ where: { jobId }, orderBy: { path: "asc" } });
    expect(items.map((i) => [i.path, i.status, i.reason, i.version, i.etag, Number(i.sizeBytes)])).toEqual([
      ["a.mp4", "pending", null, "v-a.mp4", "e-a.mp4", 10],
      ["b.mp4", "pending", null, "v-b.mp4", "e-b.mp4", 20],
      ["empty.mov", "skipped", "empty_file", "v-empty.mov", "e-empty.mov", 0],
      ["notes.txt", "skipped", "unsupported_media_type", "v-notes.txt", "e-notes.txt", 10],
    ]);
    // Items have no foreign key: deleting the job deletes them with it (a trigger), and a page recorded
    // for a job that no longer exists adds nothing.
    await db.importJob.delete({ where: { id: jobId } });
    expect(await db.importItem.count({ where: { jobId } })).toBe(0);
    expect(await recordListedFiles(job, files)).toBe(0);
    expect(await db.importItem.count({ where: { jobId } })).toBe(0);
  });

  it("records a scan's page and moves its checkpoint together, exactly once: one statement, a transaction past 1 MiB, an empty page, a page recorded twice, a cancelled job", async () => {
    const { recordListedPage } = await import("@/lib/imports/classify");
    const indexId = await newIndex("record-checkpoint");
    const job = await jobRow(indexId, { status: "scanning" });
    const at = new Date();
    const file = (path: string) => ({ path, size: 10, lastModified: at, contentType: null, version: "v", etag: null });
    const state = () => db.importJob.findUniqueOrThrow({ where: { id: job.id }, select: { listingCursor: true, listingDone: true, status: true } });
    const rows = async () => [await db.importItem.count({ where: { jobId: job.id } }), await db.importSkip.count({ where: { jobId: job.id } })];
    const first = [file("a.mp4"), file("b.txt"), file("c.mov")];
    expect(await recordListedPage(job, first, { from: null, cursor: "page-2" })).toEqual({ added: 2, active: true });
    expect(await state()).toEqual({ listingCursor: "page-2", listingDone: false, status: "scanning" });
    // the skipped file is an import_skips row, the others import_items rows
    expect(await db.importSkip.findMany({ where: { jobId: job.id }, select: { path: true, reason: true, sizeBytes: true } })).toEqual([{ path: "b.txt", reason: "unsupported_media_type", sizeBytes: 10n }]);
    expect(await rows()).toEqual([2, 1]);
    // the same page recorded again (a scan step that outlived its lease): nothing added, the scan is told to stop
    expect(await recordListedPage(job, first, { from: null, cursor: "page-2" })).toEqual({ added: 0, active: false });
    expect(await rows()).toEqual([2, 1]);
    // two steps recording the same page at the same moment: both wait on the job's row (held here), then
    // run together (PostgreSQL: the second waits for the first's lock and finds the checkpoint moved);
    // exactly one records it
    const { sqlTransaction } = await import("@/lib/db");
    const second = [file("d.mp4"), file("e.txt")];
    let release!: () => void;
    const holding = sqlTransaction(async (q) => {
      await q("SELECT 1 FROM import_jobs WHERE id = $1 FOR UPDATE", [job.id]);
      await new Promise<void>((r) => (release = r));
    });
    const racing = [0, 1].map(() => recordListedPage(job, second, { from: "page-2", cursor: "page-2b" }));
    await new Promise((r) => setTimeout(r, 200));
    release();
    await holding;
    const raced = await Promise.all(racing);
    expect(raced.map((r) => r.active).sort()).toEqual([false, true]);
    expect(raced.map((r) => r.added).sort()).toEqual([0, 1]);
    expect(await rows()).toEqual([3, 2]);
    await db.importJob.update({ where: { id: job.id }, data: { listingCursor: "page-2" } }); // as if page-2b never was
    // 3,000 files of ~400-byte paths: more than one 1 MiB statement, so a transaction (skipped ones among them)
    const long = Array.from({ length: 3000 }, (_, i) => file(`${"d/".repeat(195)}${i}.${i % 3 ? "mp4" : "txt"}`));
    expect(await recordListedPage(job, long, { from: "page-2", cursor: "page-3" })).toEqual({ added: 2000, active: true });
    expect(await state()).toEqual({ listingCursor: "page-3", listingDone: false, status: "scanning" });
    expect(await rows()).toEqual([2003, 1002]);
    // ...and again: the compare-and-set holds for every chunk of the transaction
    expect(await recordListedPage(job, long, { from: "page-2", cursor: "page-3" })).toEqual({ added: 0, active: false });
    expect(await rows()).toEqual([2003, 1002]);
    expect(await recordListedPage(job, [], { from: "page-3", cursor: null })).toEqual({ added: 0, active: true });
    expect(await state()).toEqual({ listingCursor: null, listingDone: true, status: "importing" }); // the last page
    // a listing that is done takes no page, not even one listed from its start
    expect(await recordListedPage(job, first, { from: null, cursor: "page-2" })).toEqual({ added: 0, active: false });
    expect(await rows()).toEqual([2003, 1002]);
    // a job cancelled meanwhile: nothing recorded, the checkpoint stays, the scan is told to stop
    await db.importJob.update({ where: { id: job.id }, data: { status: "cancelled", listingDone: false, listingCursor: "page-3" } });
    expect(await recordListedPage(job, [file("late.mp4"), file("late.txt")], { from: "page-3", cursor: "page-4" })).toEqual({ added: 0, active: false });
    expect(await state()).toEqual({ listingCursor: "page-3", listingDone: false, status: "cancelled" });
    expect(await rows()).toEqual([2003, 1002]);
    // counters and embedded lists take the listing's skipped files and those skipped at import time together
    const { refreshProgress } = await import("@/lib/imports/progress");
    const { toImportJobDto } = await import("@/lib/imports/dto");
    await db.importItem.updateMany({ where: { jobId: job.id, path: "a.mp4" }, data: { status: "skipped", reason: "already_imported" } });
    await refreshProgress(job.id);
    const dto = await toImportJobDto(await db.importJob.findUniqueOrThrow({ where: { id: job.id } }));
    expect(dto.progress).toMatchObject({ total_files: 3005, skipped: 1003, imported: 0, failed: 0 });
    expect(dto.skipped_files).toHaveLength(1000);
    expect(dto.skipped_files.slice(0, 2)).toEqual([{ path: "a.mp4", reason: "already_imported" }, { path: "b.txt", reason: "unsupported_media_type" }]);
    // ...and so does the items endpoint's status filter, in listing order across both tables
    const { listImportItems } = await import("@/lib/imports/import-jobs");
    const skippedPage = await listImportItems(w.workspaceId, job.id, { status: "skipped", limit: 3 });
    expect(skippedPage.items.map((i) => [i.path, i.status, i.reason])).toEqual([
      ["a.mp4", "skipped", "already_imported"], ["b.txt", "skipped", "unsupported_media_type"], ["e.txt", "skipped", "unsupported_media_type"],
    ]);
    expect(skippedPage.nextCursor).not.toBeNull();
    // deleting the job takes its skipped files with it (the trigger)
    await db.importJob.delete({ where: { id: job.id } });
    expect(await rows()).toEqual([0, 0]);
  });

  it("a scan step that finds its listing done starts the runners a crash left unstarted, exactly once", async () => {
    const { scanImportJob } = await import("@/lib/imports/jobs");
    const { newId } = await import("@/lib/ids");
    const indexId = await newIndex("runners-once");
    // a scan that recorded its last page (a file to import) and was killed before starting the runners
    const job = await jobRow(indexId, { sourcePrefix: "footage/", filePattern: "*.mp4", status: "importing", listingDone: true, startedAt: new Date() });
    await db.importItem.create({ data: { id: newId("item"), jobId: job.id, path: "footage/clip.mp4", version: "v", sizeBytes: BigInt(fixture("clip.mp4").length) } });
    const ctx = { jobId: "test", name: scanImportJob.name, attempt: 2, isLastAttempt: false, signal: new AbortController().signal };
    // the retried step and a duplicate of it at the same moment: one set of runners between them
    await Promise.all([scanImportJob.handler({ jobId: job.id }, ctx), scanImportJob.handler({ jobId: job.id }, ctx)]);
    const done = await waitForJob(w.apiKey, job.id);
    expect(done).toMatchObject({ status: "completed", progress: { imported: 1, total_files: 1 } });
    expect(await runnerSlots(job.id)).toEqual(await oneStart());
  });

  it("a scan step whose page another step recorded first goes on from the job's checkpoint, not stops", async () => {
    const { scanImportJob } = await import("@/lib/imports/jobs");
    const { providerForConnector } = await import("@/lib/providers/factory");
    const indexId = await newIndex("resync");
    const job = await jobRow(indexId, { sourcePrefix: "footage/", filePattern: "*.{mp4,mov}", status: "pending" });
    // The listing in two pages; while this step lists the first, another step (the one whose queue lease
    // this step outlived, or its retry) records it and moves the checkpoint past it.
    const provider = await providerForConnector(w.workspaceId, connectorId);
    const real = provider.list.bind(provider);
    const all = (await real({ prefix: "footage/", pageSize: 1000 })).objects;
    const spy = vi.spyOn(provider, "list").mockImplementation(async (q) => {
      if (q.prefix !== "footage/") return real(q);
      if (!q.cursor) {
        await db.importJob.update({ where: { id: job.id }, data: { listingCursor: "page-2" } });
        return { objects: all.slice(0, 3), prefixes: [], cursor: "page-2" };
      }
      return { objects: all.slice(3), prefixes: [] };
    });
    try {
      await scanImportJob.handler({ jobId: job.id }, { jobId: "test", name: scanImportJob.name, attempt: 1, isLastAttempt: false, signal: new AbortController().signal });
    } finally {
      spy.mockRestore();
    }
    // the step took its first page as refused, went on from page-2 and finished the listing
    expect(await db.importJob.findUniqueOrThrow({ where: { id: job.id }, select: { listingDone: true, listingCursor: true } })).toEqual({ listingDone: true, listingCursor: null });
    const done = await waitForJob(w.apiKey, job.id);
    // page 2 only (page 1's rows were the other step's to write): footage/day2/clip.mov imported, footage/empty.mp4 skipped
    expect(all.slice(3).map((o) => o.path)).toEqual(["footage/day2/clip.mov", "footage/empty.mp4", "footage/readme.txt", "footage/stills/still.png"]);
    expect(done).toMatchObject({ status: "completed", progress: { total_files: 2, imported: 1, skipped: 1 }, skipped_files: [{ path: "footage/empty.mp4", reason: "empty_file" }] });
  });

  it("a job deleted while a page is being recorded waits for that page and takes its items with it", async () => {
    const { recordListedFiles } = await import("@/lib/imports/classify");
    const { newId } = await import("@/lib/ids");
    const { sqlTransaction, sql } = await import("@/lib/db");
    const indexId = await newIndex("record-delete");
    const jobId = newId("job");
    const job = await jobRow(indexId, { id: jobId, status: "scanning" });
    const at = new Date();
    const files = Array.from({ length: 50 }, (_, i) => ({ path: `f${i}.mp4`, size: 10, lastModified: at, contentType: null, version: "v", etag: null }));
    let deleted: Promise<unknown> | undefined;
    await sqlTransaction(async (q) => {
      expect(await recordListedFiles(job, files, q)).toBe(50);
      // The delete has to wait for the page's lock on the job row (the embedded database runs one
      // transaction at a time anyway); it must not leave the page's items behind.
      deleted = sql("DELETE FROM import_jobs WHERE id = $1", [jobId]);
    });
    await deleted;
    expect(await db.importItem.count({ where: { jobId } })).toBe(0);
  });
});

describe("a new job's first listing page", () => {
  it("is requested as the job is created when this process's worker scans (the scan then lists nothing itself for it), and not otherwise", async () => {
    const { prefetchFirstPage } = await import("@/lib/imports/jobs");
    const { onEnqueued } = await import("@/lib/jobs/queue");
    const { findConnectorRow, providerForConnector, providerForConnectorRow } = await import("@/lib/providers/factory");
    const { listWithReadAhead } = await import("@/lib/providers/read-ahead");
    // callers at the same time share one build (the POST's prefetch and the scan get the same instance)
    const row = (await findConnectorRow(w.workspaceId, connectorId))!;
    const later = Date.now() + 60_000; // past any provider cached by earlier tests
    const [a, b] = await Promise.all([providerForConnectorRow(row, later), providerForConnectorRow(row, later)]);
    expect(a).toBe(b);
    const provider = await providerForConnector(w.workspaceId, connectorId); // the process's one provider for the connector
    expect(provider).toBe(a);
    const list = vi.spyOn(provider, "list");
    try {
      const job = { workspaceId: w.workspaceId, connectorId, sourcePrefix: "footage/day2/", filePattern: "*.mov", recursive: false };
      const query = { prefix: "footage/day2/", delimiter: "/" as const, cursor: undefined, pageSize: 1000 };
      prefetchFirstPage(job); // this suite's worker takes imports.scan
      await vi.waitFor(() => expect(list).toHaveBeenCalledTimes(1));
      expect(list).toHaveBeenCalledWith(query);
      const page = await listWithReadAhead(provider, query);
      expect(page.objects.map((o) => o.path)).toEqual(["footage/day2/clip.mov"]);
      expect(list).toHaveBeenCalledTimes(1); // served from the prefetch
      // a process whose workers take other queues only: nothing is listed for a scan that runs elsewhere
      await worker.stop();
      const other = onEnqueued(() => {}, ["exports.run"]);
      try {
        prefetchFirstPage(job);
        await new Promise((r) => setTimeout(r, 200));
        expect(list).toHaveBeenCalledTimes(1);
      } finally {
        other();
        worker = await startWorker({ concurrency: 4, pollingIntervalSeconds: 0.5 });
      }
    } finally {
      list.mockRestore();
    }
  });
});

describe("recording a batch of imported files", () => {
  type PlanNode = { "Node Type": string; "Relation Name"?: string; "Actual Rows": number; "Actual Loops": number; Plans?: PlanNode[] };
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

  it("finds the batch's items by their ids: O(batch) per batch, not a pass over the job's items (the embedded database keeps no statistics)", async () => {
    const { recordListedFiles } = await import("@/lib/imports/classify");
    const { claimItems } = await import("@/lib/imports/jobs");
    const { RECORD_BATCH_SQL, mediaKeyOf, recordBatchParams } = await import("@/lib/imports/import-file");
    const { mediaStore } = await import("@/lib/media/store");
    const { probeMediaBuffer } = await import("@/lib/media/probe");
    const { sqlTransaction } = await import("@/lib/db");
    const indexId = await newIndex("record-plan");
    const job = await jobRow(indexId, { status: "importing" });
    try {
      const at = new Date();
      const files = Array.from({ length: 2000 }, (_, i) => ({ path: `plan/${String(i).padStart(5, "0")}.mp4`, size: 10, lastModified: at, contentType: null, version: "v1", etag: null }));
      expect(await recordListedFiles(job, files)).toBe(2000);
      const items = await claimItems(job.id, 32);
      expect(items).toHaveLength(32);
      const facts = await probeMediaBuffer(fixture("clip.mp4"));
      expect(facts).not.toBeNull();
      const placed = items.map((item) => ({ item, key: mediaKeyOf(job, item), r: { sha256: "0".repeat(64), bytes: 10, facts: facts! } }));
      const rollback = new Error("rollback");
      let plan: PlanNode | undefined;
      let recorded = -1;
      await sqlTransaction(async (q) => {
        const explained = await q<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${RECORD_BATCH_SQL}`, recordBatchParams(job, mediaStore(), placed));
        plan = explained[0]["QUERY PLAN"][0].Plan;
        recorded = (await q<{ n: number }>("SELECT count(*)::int AS n FROM import_items WHERE job_id = $1 AND status = 'imported'", [job.id]))[0].n;
        throw rollback; // EXPLAIN ANALYZE ran the statement: leave nothing of it behind
      }).catch((err) => {
        if (err !== rollback) throw err;
      });
      expect(recorded).toBe(32); // the statement did record the batch…
      const reads = nodes(plan!).filter((n) => n["Relation Name"] === "import_items" && n["Node Type"] !== "ModifyTable");
      expect(reads.length).toBeGreaterThan(0);
      // …reading no more of the job's 2,000 items than the batch's 32
      for (const n of reads) expect({ node: n["Node Type"], rows: n["Actual Rows"] * n["Actual Loops"] }).toEqual({ node: n["Node Type"], rows: expect.toSatisfy((r: number) => r <= 32) });
      expect(await db.importItem.count({ where: { jobId: job.id, status: "imported" } })).toBe(0);
    } finally {
      await db.importJob.update({ where: { id: job.id }, data: { status: "cancelled" } });
    }
  });
});

describe("finishing a job and its progress events", () => {
  async function jobWithItems(statuses: string[], extra: Record<string, unknown> = {}) {
    const { newId } = await import("@/lib/ids");
    const indexId = await newIndex("finish");
    const jobId = newId("job");
    await jobRow(indexId, { id: jobId, status: "importing", listingDone: true, startedAt: new Date(), ...extra });
    await db.importItem.createMany({ data: statuses.map((status, i) => ({
      id: newId("item"), jobId, path: `f${i}.mp4`, version: "v", sizeBytes: BigInt(100 + i), status, reason: status === "skipped" ? "already_imported" : null,
    })) });
    return { jobId, indexId };
  }
  const eventsOf = (indexId: string) => db.event.findMany({ where: { indexId }, orderBy: { id: "asc" } });

  it("waits while a file is pending or in flight, then completes once however many callers race to finish it", async () => {
    const { maybeFinish } = await import("@/lib/imports/jobs");
    const { jobId, indexId } = await jobWithItems(["imported", "skipped", "failed", "importing"]);
    await maybeFinish(jobId);
    expect((await db.importJob.findUniqueOrThrow({ where: { id: jobId } })).status).toBe("importing");
    await db.importItem.updateMany({ where: { jobId, status: "importing" }, data: { status: "imported" } });
    await Promise.all(Array.from({ length: 5 }, () => maybeFinish(jobId)));
    const job = await db.importJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(job).toMatchObject({ status: "completed", totalFiles: 4, importedFiles: 2, failedFiles: 1, skippedFiles: 1, currentFile: null, errorMessage: null });
    expect(Number(job.bytesTransferred)).toBe(100 + 103);
    expect(Number(job.totalBytes)).toBe(100 + 102 + 103);
    expect(Math.abs(job.completedAt!.getTime() - Date.now())).toBeLessThan(60_000); // stored in UTC like Prisma's own dates
    const finished = (await eventsOf(indexId)).filter((e) => e.type.startsWith("import_job."));
    expect(finished.map((e) => e.type)).toEqual(["import_job.partial_completed"]);
    expect(finished[0].data).toMatchObject({ job_id: jobId, imported: 2, failed: 1, skipped: 1 });
  });

  it("fails a job whose every file failed", async () => {
    const { maybeFinish } = await import("@/lib/imports/jobs");
    const { jobId, indexId } = await jobWithItems(["failed", "failed"]);
    await maybeFinish(jobId);
    expect(await db.importJob.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: "failed", errorMessage: "every file failed to import", failedFiles: 2 });
    expect((await eventsOf(indexId)).map((e) => e.type)).toEqual(["import_job.failed"]);
  });

  it("reports progress no sooner than 10 s after the start, then at most every 10 s", async () => {
    const { maybeProgressEvent } = await import("@/lib/imports/jobs");
    const { refreshProgress } = await import("@/lib/imports/progress");
    const started = Date.now();
    const { jobId, indexId } = await jobWithItems(["imported", "pending"], { startedAt: new Date(started), status: "scanning", listingDone: false });
    await refreshProgress(jobId);
    await maybeProgressEvent({ id: jobId }, started + 5_000);
    expect(await eventsOf(indexId)).toHaveLength(0);
    await maybeProgressEvent({ id: jobId }, started + 15_100); // 10 s after the start
    const [first] = await eventsOf(indexId);
    expect(first).toMatchObject({ type: "import_job.progress", data: { job_id: jobId, total_files: 2, imported: 1, failed: 0, skipped: 0, bytes_transferred: 100 } });
    await maybeProgressEvent({ id: jobId }, started + 21_000); // 6 s after the last one
    expect(await eventsOf(indexId)).toHaveLength(1);
    await maybeProgressEvent({ id: jobId }, started + 26_000);
    expect((await eventsOf(indexId)).map((e) => e.type)).toEqual(["import_job.progress", "import_job.progress"]);
  });

  it("embeds each job's first 1,000 skipped and failed files and video ids, oldest first, in one read for a list", async () => {
    const { newId } = await import("@/lib/ids");
    const indexId = await newIndex("embedded-lists");
    const mk = async (items: { status: string; reason?: string; videoId?: string }[]) => {
      const jobId = newId("job");
      await jobRow(indexId, { id: jobId, status: "completed" });
      const ids = items.map(() => newId("item")); // increasing: the lists' order
      await db.importItem.createMany({ data: items.map((it, i) => ({
        id: ids[i], jobId, path: `p${String(i).padStart(5, "0")}.mp4`, version: "v", sizeBytes: 1n, status: it.status, reason: it.reason ?? null, videoId: it.videoId ?? null,
      })) });
      return jobId;
    };
    const big = await mk([
      ...Array.from({ length: 1005 }, () => ({ status: "skipped", reason: "already_imported" })),
      { status: "failed", reason: "boom" }, { status: "imported", videoId: "vid_a" }, { status: "pending" }, { status: "imported", videoId: "vid_b" },
    ]);
    const small = await mk([{ status: "skipped", reason: "empty_file" }]);
    const list = await api("GET", `import-jobs?index_id=${indexId}&limit=10`, { apiKey: w.apiKey });
    expect(list.status).toBe(200);
    const byId = new Map((list.body as { job_id: string }[]).map((j) => [j.job_id, j as Record<string, any>]));
    const b = byId.get(big)!;
    expect(b.skipped_files).toHaveLength(1000);
    expect(b.skipped_files[0]).toEqual({ path: "p00000.mp4", reason: "already_imported" });
    expect(b.skipped_files[999].path).toBe("p00999.mp4");
    expect(b.failed_files).toEqual([{ path: "p01005.mp4", error: "boom" }]);
    expect(b.video_ids).toEqual(["vid_a", "vid_b"]);
    expect(byId.get(small)).toMatchObject({ skipped_files: [{ path: "p00000.mp4", reason: "empty_file" }], failed_files: [], video_ids: [] });
    const one = await api("GET", `import-jobs/${big}`, { apiKey: w.apiKey });
    expect(one.body).toEqual(b);
  });
});

describe("claiming and recording files in batches", () => {
  async function jobWith(sizes: number[], importMode = "all", status = "importing") {
    const { newId } = await import("@/lib/ids");
    const indexId = await newIndex("batches");
    const jobId = newId("job");
    const job = await jobRow(indexId, { id: jobId, importMode, status, listingDone: true, startedAt: new Date() });
    const ids = sizes.map(() => newId("item")).sort();
    await db.importItem.createMany({ data: sizes.map((size, i) => ({ id: ids[i], jobId, path: `f${i}.mp4`, version: "v", sizeBytes: BigInt(size), status: "pending" })) });
    return { job, ids };
  }

  it("claims the lowest pending files up to a count and 32 MiB by the listing (a larger file alone), then stale claims", async () => {
    const { claimItems } = await import("@/lib/imports/jobs");
    const MiB = 1024 * 1024;
    const { job, ids } = await jobWith([4 * MiB, 4 * MiB, 4 * MiB, 24 * MiB, 40 * MiB, 1000, 1000, 1000]);
    const claimed = async (n: number) => (await claimItems(job.id, n)).map((i) => ids.indexOf(i.id));
    expect(await claimed(8)).toEqual([0, 1, 2]); // + the 24 MiB file would pass 32 MiB
    expect(await claimed(8)).toEqual([3]);
    expect(await claimed(8)).toEqual([4]); // 40 MiB: over the budget, claimed alone
    expect(await claimed(2)).toEqual([5, 6]);
    expect(await claimed(8)).toEqual([7]);
    expect(await claimed(8)).toEqual([]); // all in flight, none stale
    const rows = await db.importItem.findMany({ where: { jobId: job.id } });
    expect(rows.every((r) => r.status === "importing" && r.attempts === 1 && r.claimedAt)).toBe(true);
    // a runner that died: its claims go stale after the lease and are taken over, attempts counted
    await db.importItem.updateMany({ where: { id: { in: [ids[5], ids[6]] } }, data: { claimedAt: new Date(Date.now() - 3600_000) } });
    const stale = await claimItems(job.id, 8);
    expect(stale.map((i) => [ids.indexOf(i.id), i.attempts])).toEqual([[5, 2], [6, 2]]);
  });

  it("records a mixed batch: the clean files together, each other file on its own (taken source keys, earlier attempts)", async () => {
    const { recordPlacedFiles } = await import("@/lib/imports/import-file");
    const { sourceKeyOf } = await import("@/lib/imports/classify");
    const { parseMediaStore } = await import("@/lib/media/store");
    const { newId } = await import("@/lib/ids");
    const { mkdtempSync } = await import("node:fs");
    const os = await import("node:os");
    const dir = mkdtempSync(`${os.tmpdir()}/gantry-record-`);
    const store = parseMediaStore(`file:${dir}/media`, dir);
    const facts = { container: "mp4", duration_seconds: 1, bit_rate: 1000, video: null, audio: null, media_type: "video" as const };
    for (const mode of ["all", "new_only"]) {
      const { job, ids } = await jobWith([10, 10, 10, 10], mode);
      await db.importItem.updateMany({ where: { jobId: job.id }, data: { status: "importing", attempts: 1 } });
      await db.importItem.update({ where: { id: ids[3] }, data: { attempts: 2 } });
      const items = await db.importItem.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } });
      const video = (id: string, extra: object) => db.video.create({ data: {
        id, workspaceId: w.workspaceId, indexId: job.indexId, title: "t", videoUri: "file:///x", storageKey: "x", mediaType: "video", sizeBytes: 10n, ...extra,
      } });
      // f2 is already in the index (another job imported it); f3's earlier attempt made its video, then crashed
      await video(newId("vid"), { sourceKey: sourceKeyOf(job.indexId, connectorId, "f2.mp4", "v") });
      const earlier = newId("vid");
      await video(earlier, { importItemId: ids[3] });
      const placed = items.map((item) => ({ item, key: `k/${item.id}`, r: { sha256: "0".repeat(64), bytes: 10, facts } }));
      const out = await recordPlacedFiles(job, store, placed);
      const [a, b, c, d] = ids.map((id) => out.get(id)!);
      expect(a).toMatchObject({ status: "imported", recorded: true });
      expect(b).toMatchObject({ status: "imported", recorded: true });
      expect(d).toEqual({ status: "imported", videoId: earlier });
      if (mode === "all") expect(c).toMatchObject({ status: "imported", recorded: true }); // a second video, without the source key
      else expect(c).toEqual({ status: "skipped", reason: "already_imported" });
      // the recorded ones: video with its source key, item row, media.created event naming the video
      for (const [i, o] of [[0, a], [1, b]] as const) {
        const v = await db.video.findUniqueOrThrow({ where: { id: (o as { videoId: string }).videoId } });
        expect(v).toMatchObject({ importItemId: ids[i], importJobId: job.id, sourcePath: `f${i}.mp4`, storageKey: `k/${ids[i]}`, checksumSha256: "0".repeat(64) });
        expect(v.sourceKey).toBe(sourceKeyOf(job.indexId, connectorId, `f${i}.mp4`, "v"));
        expect(await db.importItem.findUniqueOrThrow({ where: { id: ids[i] } })).toMatchObject({ status: "imported", videoId: v.id });
        const events = await db.event.findMany({ where: { indexId: job.indexId, type: "media.created" } });
        expect(events.filter((e) => (e.data as { video_id: string }).video_id === v.id)).toHaveLength(1);
      }
    }
  });

  it("records a batch of clean files (no taken key, first attempts, no webhook) with exactly one statement", async () => {
    const { recordPlacedFiles } = await import("@/lib/imports/import-file");
    const { parseMediaStore } = await import("@/lib/media/store");
    const pg = (await import("pg")).default;
    const { mkdtempSync } = await import("node:fs");
    const os = await import("node:os");
    const dir = mkdtempSync(`${os.tmpdir()}/gantry-record-`);
    const store = parseMediaStore(`file:${dir}/media`, dir);
    const facts = { container: "mp4", duration_seconds: 1, bit_rate: 1000, video: null, audio: null, media_type: "video" as const };
    const { job, ids } = await jobWith([10, 10, 10, 10, 10], "new_only");
    await db.importItem.updateMany({ where: { jobId: job.id }, data: { status: "importing", attempts: 1 } });
    const items = await db.importItem.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } });
    const placed = items.map((item) => ({ item, key: `k/${item.id}`, r: { sha256: "0".repeat(64), bytes: 10, facts } }));
    // Every statement of this process, Prisma's included (its adapter shares the pool), runs through a
    // pg.Client's query (pg.Pool#query too): count them.
    const spy = vi.spyOn(pg.Client.prototype, "query");
    let statements: number;
    try {
      const out = await recordPlacedFiles(job, store, placed);
      // (the in-process queue worker polls meanwhile: its statements, all on the pgboss schema, are not ours)
      const textOf = (q: unknown) => (typeof q === "string" ? q : ((q as { text?: string } | undefined)?.text ?? ""));
      statements = spy.mock.calls.filter(([q]) => !textOf(q).includes("pgboss.")).length;
      expect(ids.map((id) => out.get(id)?.status)).toEqual(Array(5).fill("imported"));
    } finally {
      spy.mockRestore();
    }
    expect(statements).toBe(1);
    expect(await db.video.count({ where: { importJobId: job.id } })).toBe(5);
    expect(await db.importItem.count({ where: { jobId: job.id, status: "imported" } })).toBe(5);
  });

  /** `n` copies of the MP4 fixture as f0.mp4… in a local source, a job listing them (claimed), a media store. */
  async function claimedClips(n: number) {
    const { claimItems } = await import("@/lib/imports/jobs");
    const { parseMediaStore } = await import("@/lib/media/store");
    const { createStorageProvider } = await import("@/lib/providers");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-batch-"));
    const clip = fixture("clip.mp4");
    for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `f${i}.mp4`), clip);
    const { job, ids } = await jobWith(Array.from({ length: n }, () => clip.length));
    const items = await claimItems(job.id, n);
    expect(items).toHaveLength(n);
    return { job, ids, items, source: createStorageProvider({ provider: "local", root: dir }), store: parseMediaStore(`file:${dir}/media`, dir) };
  }

  it("a job cancelled during a batch: the files copied are recorded, the ones not started go back to pending", async () => {
    const { runBatch } = await import("@/lib/imports/jobs");
    const { job, ids, items, source, store } = await claimedClips(4);
    let asked = 0;
    const active = async () => ++asked < 2; // cancelled after the second file started
    const more = await runBatch(job, items, source, store, active);
    expect(more).toBe(false);
    const rows = await db.importItem.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.status, r.attempts, r.claimedAt === null])).toEqual([
      ["imported", 1, false],
      ["imported", 1, false],
      ["pending", 0, true],
      ["pending", 0, true],
    ]);
    expect(await db.video.count({ where: { importItemId: { in: ids } } })).toBe(2);
  });

  it("hands the batch back once the last file's bytes are in: a file's placement overlaps the next file's transfer", async () => {
    const { copyBatch } = await import("@/lib/imports/jobs");
    const { job, ids, items, source: local, store: real } = await claimedClips(2);
    let reads = 0;
    const source = { ...local, read: async (p: string) => (reads++, local.read(p)) };
    // placing a file in the media store waits for the gate: the first file's placement holds until opened
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const store = { ...real, writeLocalFile: async (key: string, data: Buffer) => (await gate, real.writeLocalFile!(key, data)) };
    const copied = await Promise.race([copyBatch(job, items, source, store, async () => true), new Promise<"stuck">((r) => setTimeout(() => r("stuck"), 5000))]);
    expect(copied).not.toBe("stuck"); // a runner waiting for each placement would still be on the first file
    expect(reads).toBe(2); // the second file was read while the first was being placed
    expect(await db.importItem.count({ where: { jobId: job.id, status: "imported" } })).toBe(0);
    open();
    expect(await (copied as Exclude<typeof copied, "stuck">).done).toBe(true);
    expect(await db.video.count({ where: { importItemId: { in: ids } } })).toBe(2);
    expect(await db.importItem.count({ where: { jobId: job.id, status: "imported" } })).toBe(2);
  });

  it("keeps the claims of a batch's waiting files fresh between files, not only while one is in flight", async () => {
    const { runBatch } = await import("@/lib/imports/jobs");
    const { importSettings } = await import("@/lib/imports/settings");
    const { job, items, source: local, store } = await claimedClips(3);
    const claimedAt = Math.min(...items.map((i) => i.claimedAt!.getTime()));
    // each file takes 1.2 s: shorter than a file's own heartbeat (a third of the lease, at least 1 s → 1.67 s)
    const slow = { ...local, read: async (p: string) => (await new Promise((r) => setTimeout(r, 1200)), local.read(p)) };
    const lease = importSettings.leaseSeconds;
    importSettings.leaseSeconds = 5;
    try {
      expect(await runBatch(job, items, slow, store, async () => true)).toBe(true);
    } finally {
      importSettings.leaseSeconds = lease;
    }
    const rows = await db.importItem.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.status)).toEqual(["imported", "imported", "imported"]);
    // renewed before the third file started (2.4 s in), for every file of the batch
    for (const r of rows) expect(r.claimedAt!.getTime() - claimedAt).toBeGreaterThan(1_500);
  }, 20_000);
});
