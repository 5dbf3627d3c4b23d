import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { db, sql } from "@/lib/db";
import { newId } from "@/lib/ids";
import { recordEvent } from "@/lib/events/record-event";
import { getBoss } from "@/lib/jobs/queue";
import { mediaTypeOf, mimeOf } from "@/lib/media/media-types";
import { probeMedia, probeMediaBuffer } from "@/lib/media/probe";
import type { MediaStore } from "@/lib/media/store";
import { isStorageError } from "@/lib/providers/errors";
import type { PlainGet, StorageProvider } from "@/lib/providers/types";
import type { ImportItem, ImportJob, Prisma } from "@/lib/generated/prisma/client";
import { sourceKeyOf } from "./classify";
import { copyInThread, copyThreadCount, fetchFilesInThread } from "./copy-thread";
import { importSettings } from "./settings";

/** `recorded`: the item row already says so (written in the same statement as the video). */
export type FileOutcome =
  | { status: "imported"; videoId: string; recorded?: boolean }
  | { status: "skipped"; reason: "already_imported" }
  | { status: "failed"; error: string };

class PermanentImportError extends Error {}

const STREAM_BUFFER_BYTES = 1024 * 1024;
/**
 * Files up to this size (by the listing) are read into memory, probed from memory and written once to the
 * local media store: about 4 file operations instead of 12 (scratch write, probe reads, rename). Each
 * threadpool operation costs the single main thread a wake-up; this was ~2 ms of ~8 ms per small file.
 */
const SMALL_FILE_BYTES = 1024 * 1024;

/** The file's base name, safe as a path segment: at most 200 bytes (its end kept: the extension). */
export function safeName(p: string): string {
  let chars = [...path.posix.basename(p).normalize("NFC").replace(/[\u0000-\u001f\u007f/\\]/g, "_")];
  while (Buffer.byteLength(chars.join("")) > 200) chars = chars.slice(1);
  return chars.join("") || "file";
}

/**
 * Where a file goes in the media store: derived from its job and item (a retry overwrites, never
 * duplicates), one directory per job rather than per file (creating a directory cost as much as
 * writing a small file), the file's own name kept readable at the end. Names stay within 255 bytes.
 */
export function mediaKeyOf(job: Pick<ImportJob, "workspaceId" | "indexId" | "id">, item: Pick<ImportItem, "id" | "path">): string {
  return `${job.workspaceId}/${job.indexId}/${job.id}/${item.id}-${safeName(item.path)}`;
}

/** A file copied into the media store, ready to be recorded as a video (see recordPlacedFiles). */
export type PlacedFile = { item: ImportItem; key: string; r: Recordable };

/**
 * Streams one file from the connector into the media store exactly once: bytes go to a scratch file
 * while sha256 and size are computed, the size is checked against the listing, the file is probed, then
 * moved (local store: a rename) or uploaded into place under a key derived from the item, so a retry
 * after a crash overwrites rather than duplicates. Transient provider errors are retried with backoff
 * and jitter; permanent ones (403, 404, size mismatch, unreadable media) fail the file at once.
 * Nothing is recorded yet: the caller records placed files, several in one statement. `onBytesIn` is called
 * once the file's bytes are in and checked (before the probe): the caller may start the next transfer.
 */
export async function placeFile(
  job: ImportJob,
  item: ImportItem,
  source: StorageProvider,
  store: MediaStore,
  renewClaim: () => Promise<void>,
  onBytesIn?: () => void,
): Promise<PlaceOutcome> {
  let lastError = "";
  for (let attempt = 1; attempt <= importSettings.fileAttempts; attempt++) {
    try {
      return { status: "placed", placed: await placeOnce(job, item, source, store, renewClaim, onBytesIn) };
    } catch (err) {
      if (err instanceof PermanentImportError) return { status: "failed", error: err.message };
      if (isStorageError(err)) {
        lastError = `${err.code}: ${err.message}`;
        if (!err.retryable) return { status: "failed", error: lastError };
      } else {
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (attempt < importSettings.fileAttempts) {
        const delay = 500 * 2 ** (attempt - 1) * (0.5 + Math.random());
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
  return { status: "failed", error: lastError.slice(0, 500) };
}

/** One file placed and recorded (placeFile, then recordPlacedFiles for just this file). */
export async function importFile(
  job: ImportJob,
  item: ImportItem,
  source: StorageProvider,
  store: MediaStore,
  renewClaim: () => Promise<void>,
): Promise<FileOutcome> {
  const placed = await placeFile(job, item, source, store, renewClaim);
  if (placed.status === "failed") return placed;
  return (await recordPlacedFiles(job, store, [placed.placed])).get(item.id)!;
}

async function placeOnce(
  job: ImportJob,
  item: ImportItem,
  source: StorageProvider,
  store: MediaStore,
  renewClaim: () => Promise<void>,
  onBytesIn?: () => void,
): Promise<PlacedFile> {
  const key = mediaKeyOf(job, item);
  const scratch = path.join(store.scratchDir, `${item.id}-${newId("item").slice(-8)}`);
  const heartbeat = renewWhileRunning(renewClaim);
  let moved = false;
  try {
    const expected = Number(item.sizeBytes);
    const small = Boolean(store.writeLocalFile) && expected <= SMALL_FILE_BYTES;
    const got = await fetchBytes(source, item.path, small ? null : scratch, expected + STREAM_BUFFER_BYTES);
    checkSize(expected, got.bytes);
    onBytesIn?.();
    if (small) {
      const placed = await placeSmallFile(store, key, scratch, { sha256: got.sha256, bytes: got.bytes }, got.data!);
      moved = true; // the scratch file was never written, or it was renamed into place
      return { item, key, r: placed };
    }
    const facts = await probeOrFail(scratch);
    if (store.adoptLocalFile) {
      await store.adoptLocalFile(scratch, key);
      moved = true; // renamed into place: nothing left to clean up (saves two lstat calls per file)
    } else await store.provider.write(key, createReadStream(scratch), { size: (await stat(scratch)).size, contentType: mimeOf(item.path) ?? undefined });

    return { item, key, r: { sha256: got.sha256, bytes: got.bytes, facts } };
  } finally {
    clearInterval(heartbeat);
    if (!moved) await rm(scratch, { force: true });
  }
}

export type PlaceOutcome = { status: "placed"; placed: PlacedFile } | { status: "failed"; error: string };

/** A small file a copy thread fetched and wrote under its key, not yet probed (see placeFetched). */
export type FetchedFile = { item: ImportItem; key: string; dest: string; sha256: string; bytes: number; data: Buffer };

/**
 * A batch's small files (≤ SMALL_FILE_BYTES by the listing) fetched together in a copy thread, one after
 * another, each written straight under its key there: this thread only signs the requests, and later probes
 * the bytes in memory (placeFetched) and records. Per file the main thread then does no socket, file or
 * message work of its own (on 2 CPUs those system calls, ~1.5 ms per file, were what capped imports of
 * small files). Returns the files the thread took; the others (not small, a declined GET, a failure, a size
 * other than listed) are left to placeFile. Claims are renewed while the thread works.
 */
export async function fetchSmallFilesInThread(
  job: ImportJob,
  items: ImportItem[],
  source: StorageProvider,
  store: MediaStore,
  renewClaims: () => Promise<void>,
): Promise<FetchedFile[]> {
  const localPathOf = store.localPathOf;
  if (copyThreadCount === 0 || !localPathOf || !source.plainGet) return [];
  const files: { item: ImportItem; key: string; dest: string; get: PlainGet }[] = [];
  for (const item of threadBatchOf(items)) {
    const get = await source.plainGet(item.path);
    if (!get) continue;
    const key = mediaKeyOf(job, item);
    files.push({ item, key, dest: localPathOf(key), get });
  }
  if (files.length === 0) return [];
  const heartbeat = renewWhileRunning(renewClaims);
  try {
    const fetched = await fetchFilesInThread(files.map((f) => ({ get: f.get, dest: f.dest, bytes: Number(f.item.sizeBytes) })));
    return files.flatMap(({ item, key, dest }, i) => {
      const got = fetched[i];
      return got ? [{ item, key, dest, ...got }] : [];
    });
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * A batch's bytes in memory at once stay within this (a runner holds one batch fetching and one being probed):
 * a claim of 128 small files of 20 KB is 2.5 MB; 128 of 1 MiB would be 128 MiB per batch, so most of those go one by one.
 */
export const THREAD_BATCH_BYTES = 4 * 1024 * 1024;

/** The files of a batch fetched together in a thread: the small ones (≤ SMALL_FILE_BYTES), in order, while their sizes add up to at most maxBytes. */
export function threadBatchOf(items: ImportItem[], maxBytes = THREAD_BATCH_BYTES): ImportItem[] {
  const out: ImportItem[] = [];
  let total = 0;
  for (const item of items) {
    const size = Number(item.sizeBytes);
    if (size > SMALL_FILE_BYTES || total + size > maxBytes) continue;
    total += size;
    out.push(item);
  }
  return out;
}

/** A fetched small file probed: from memory when the in-process parser knows it, else by ffprobe on the file in place. */
export async function placeFetched(f: FetchedFile): Promise<PlaceOutcome> {
  let facts = await probeMediaBuffer(f.data);
  if (!facts) {
    try {
      facts = await probeOrFail(f.dest);
    } catch (err) {
      await rm(f.dest, { force: true });
      return { status: "failed", error: (err as Error).message };
    }
  }
  return { status: "placed", placed: { item: f.item, key: f.key, r: { sha256: f.sha256, bytes: f.bytes, facts } } };
}

/** Renews a claim every third of the lease (at least every second) until the returned timer is cleared. */
function renewWhileRunning(renew: () => Promise<void>): NodeJS.Timeout {
  return setInterval(() => void renew().catch(() => {}), Math.max(1000, (importSettings.leaseSeconds * 1000) / 3));
}

type Recordable = { sha256: string; bytes: number; facts: Awaited<ReturnType<typeof probeMedia>> };

/**
 * The object's bytes with their size and sha256: written to `dest`, or kept in memory (`data`) when dest is
 * null. Through a copy thread when the provider offers a plain GET (copy-thread.ts), else — or when the
 * thread declines — through `read` on this thread. Reading stops after `limit` bytes (the size is then wrong).
 */
async function fetchBytes(source: StorageProvider, p: string, dest: string | null, limit: number): Promise<{ bytes: number; sha256: string; data?: Buffer }> {
  // Small files stay on this thread: for them the hand-off to a thread cost more than it saved (5,000 × 20 KB:
  // 32 s against 25.6 s). Big ones go to a thread when the provider can describe the request.
  const get = dest !== null && copyThreadCount > 0 ? await source.plainGet?.(p) : null;
  const threaded = get && dest !== null ? await copyInThread({ get, dest, maxBytes: limit }) : null;
  if (threaded) return threaded;
  const body = await source.read(p);
  const hash = createHash("sha256");
  let bytes = 0;
  if (dest === null) {
    // A plain loop, not stream.pipeline: a pipeline's end aborts its internal AbortController, whose
    // DOMException (with its stack trace) cost ~0.1 ms of the main thread per small file.
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limit) {
        body.destroy(); // more than listed: stop reading (memory stays bounded); the size check fails it
        break;
      }
      hash.update(chunk);
      chunks.push(chunk);
    }
    return { bytes, sha256: hash.digest("hex"), data: Buffer.concat(chunks) };
  }
  // Large buffers between the network and the scratch file: fewer, bigger writes for big files.
  const count = new Transform({
    highWaterMark: STREAM_BUFFER_BYTES,
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > limit) return cb(new TooManyBytes());
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(body, count, createWriteStream(dest, { highWaterMark: STREAM_BUFFER_BYTES }));
  } catch (err) {
    if (!(err instanceof TooManyBytes)) throw err;
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** More bytes than the listing said (plus a margin): reading stops, and the size check fails the file. */
class TooManyBytes extends Error {}

function checkSize(expected: number, bytes: number): void {
  if (bytes !== expected) throw new PermanentImportError(`size mismatch: the listing said ${expected} bytes, ${bytes} were read (the file changed during the import?)`);
}

async function probeOrFail(file: string): Promise<Recordable["facts"]> {
  try {
    return await probeMedia(file);
  } catch (err) {
    throw new PermanentImportError(`unreadable media: ${(err as Error).message}`);
  }
}

/**
 * The small-file path: the bytes are in memory, probed there when the in-process parser knows the format
 * and written once under the key. Otherwise (not ISO-BMFF, or GANTRY_PROBE=ffprobe) they go to the scratch
 * file, are probed by ffprobe and renamed into place, as on the normal path.
 */
async function placeSmallFile(store: MediaStore, key: string, scratch: string, r: Omit<Recordable, "facts">, data: Buffer): Promise<Recordable> {
  const fast = await probeMediaBuffer(data);
  if (fast) {
    await store.writeLocalFile!(key, data);
    return { ...r, facts: fast };
  }
  await writeFile(scratch, data);
  const facts = await probeOrFail(scratch);
  await store.adoptLocalFile!(scratch, key);
  return { ...r, facts };
}

/** The video row of a placed file (its id and source key are the caller's). */
function videoRowOf(job: ImportJob, store: MediaStore, { item, key, r }: PlacedFile) {
  return {
    workspaceId: job.workspaceId,
    indexId: job.indexId,
    title: path.posix.basename(item.path).replace(/\.[^.]+$/, "") || item.path,
    videoUri: store.uriFor(key),
    storageKey: key,
    mediaType: r.facts.media_type ?? mediaTypeOf(item.path) ?? "video",
    status: "ready",
    durationSeconds: r.facts.duration_seconds,
    sizeBytes: BigInt(r.bytes),
    contentType: mimeOf(item.path),
    sourceConnectorId: job.connectorId,
    sourcePath: item.path,
    sourceVersion: item.version,
    sourceEtag: item.etag,
    importJobId: job.id,
    importItemId: item.id,
    checksumSha256: r.sha256,
    metadata: r.facts as object,
  };
}

function mediaCreatedData(job: ImportJob, item: ImportItem, videoId: string) {
  return { video_id: videoId, index_id: job.indexId, import_job_id: job.id, source: { connector_id: job.connectorId, path: item.path, etag: item.etag } };
}

/**
 * Records placed files as videos (with their media.created events and the items' new status). The
 * common case — first attempts, no webhook subscribed to media.created, no file already in the index —
 * is one statement for the whole batch; every file that statement did not take (a unique source key or
 * item already taken, a subscribed webhook) is recorded on its own by recordVideo, which sorts out why.
 * Outcomes per item id; `recorded` ones already have their item row updated.
 */
export async function recordPlacedFiles(job: ImportJob, store: MediaStore, placed: PlacedFile[]): Promise<Map<string, FileOutcome>> {
  const outcomes = new Map<string, FileOutcome>();
  const first = placed.filter((p) => p.item.attempts <= 1);
  if (first.length > 0) {
    for (const [itemId, videoId] of await insertVideosUnlessSubscribed(job, store, first)) outcomes.set(itemId, { status: "imported", videoId, recorded: true });
  }
  for (const p of placed) if (!outcomes.has(p.item.id)) outcomes.set(p.item.id, await recordVideo(job, store, p));
  return outcomes;
}

/** One placed file, on its own: reuses the video of an earlier attempt, handles a source key already taken. */
async function recordVideo(job: ImportJob, store: MediaStore, placed: PlacedFile): Promise<FileOutcome> {
  const { item, key } = placed;
  // A previous attempt (crashed after this point) already made the video: reuse it. A first claim has
  // no earlier attempt (and the unique import_item_id below catches any race anyway).
  if (item.attempts > 1) {
    const earlier = await db.video.findUnique({ where: { importItemId: item.id } });
    if (earlier) return { status: "imported", videoId: earlier.id };
  }

  const sourceKey = sourceKeyOf(job.indexId, job.connectorId, item.path, item.version);
  const base = videoRowOf(job, store, placed);
  const create = async (withKey: boolean) => {
    const id = newId("vid");
    const row = { id, ...base, sourceKey: withKey ? sourceKey : null };
    const data = mediaCreatedData(job, item, id);
    // The common case (no webhook wants media.created) in one statement, one round trip instead of
    // six: the video, its event and the item's new status, atomically (a unique violation aborts all).
    const done = await insertVideoUnlessSubscribed(row, { id: newId("evt"), workspaceId: job.workspaceId, indexId: job.indexId, data }, item.id);
    if (done) return { status: "imported" as const, videoId: id, recorded: true };
    // A webhook subscribes: the event and its fan-out job go in one transaction with the video.
    await getBoss();
    await db.$transaction(async (tx) => {
      await tx.video.create({ data: row });
      await recordEvent({ workspaceId: job.workspaceId, type: "media.created", indexId: job.indexId, data }, tx);
    });
    return { status: "imported" as const, videoId: id };
  };
  try {
    return await create(true);
  } catch (err) {
    const target = String((err as { meta?: { target?: unknown } }).meta?.target ?? (err as Error).message);
    if ((err as { code?: string }).code !== "P2002" && !/unique/i.test((err as Error).message)) throw err;
    if (/import_item/.test(target)) {
      const v = await db.video.findUniqueOrThrow({ where: { importItemId: item.id } });
      return { status: "imported", videoId: v.id };
    }
    // The same file version is already in the index (another job won a race, or it was imported before).
    if (job.importMode === "new_only") {
      await store.provider.remove(key).catch(() => {});
      return { status: "skipped", reason: "already_imported" };
    }
    return await create(false);
  }
}

type VideoRow = Prisma.VideoUncheckedCreateInput & { id: string };

/**
 * Inserts the video, its media.created event and the item's status in one statement, unless an active
 * webhook of the workspace subscribes to media.created (then nothing is written and false comes back:
 * the caller records the event with its fan-out job instead).
 */
async function insertVideoUnlessSubscribed(v: VideoRow, e: { id: string; workspaceId: string; indexId: string; data: object }, itemId: string): Promise<boolean> {
  // A plain pg statement: once per imported file, where Prisma's raw-query pipeline added ~0.3 ms of CPU.
  const rows = await sql<{ subscribed: boolean }>(
    `WITH sub AS (
      SELECT EXISTS (SELECT 1 FROM webhooks WHERE workspace_id = $2 AND status = 'active' AND 'media.created' = ANY(events)) AS subscribed
    ), v AS (
      INSERT INTO videos (id, workspace_id, index_id, title, video_uri, storage_key, media_type, status, duration_seconds, size_bytes,
                          content_type, source_connector_id, source_path, source_version, source_etag, import_job_id, import_item_id,
                          source_key, checksum_sha256, metadata, created_at, updated_at)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::float8, $10::bigint, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20::jsonb, now(), now()
      FROM sub WHERE NOT sub.subscribed
      RETURNING id
    ), e AS (
      INSERT INTO events (id, workspace_id, type, index_id, data, created_at)
      SELECT $21, $2, 'media.created', $22, $23::jsonb, now() FROM v
    ), i AS (
      UPDATE import_items SET status = 'imported', video_id = v.id, reason = NULL, updated_at = now() FROM v WHERE import_items.id = $24
    )
    SELECT subscribed FROM sub`,
    [
      v.id, v.workspaceId, v.indexId, v.title, v.videoUri, v.storageKey, v.mediaType, v.status ?? "ready",
      v.durationSeconds ?? null, String(v.sizeBytes), v.contentType ?? null, v.sourceConnectorId ?? null,
      v.sourcePath ?? null, v.sourceVersion ?? null, v.sourceEtag ?? null, v.importJobId ?? null, v.importItemId ?? null,
      v.sourceKey ?? null, v.checksumSha256 ?? null, v.metadata == null ? null : JSON.stringify(v.metadata),
      e.id, e.indexId, JSON.stringify(e.data), itemId,
    ],
    { prepare: true },
  );
  return !rows[0].subscribed;
}

/** insertVideosUnlessSubscribed's statement: $1–$4 workspace, index, connector and job; $5–$21 one array per column (see `t`). */
export const RECORD_BATCH_SQL = `WITH sub AS (
      SELECT EXISTS (SELECT 1 FROM webhooks WHERE workspace_id = $1 AND status = 'active' AND 'media.created' = ANY(events)) AS subscribed
    ), t AS (
      SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::float8[], $11::bigint[], $12::text[], $13::text[],
                           $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::jsonb[], $20::text[], $21::jsonb[])
        AS t(id, title, video_uri, storage_key, media_type, duration_seconds, size_bytes, content_type, source_path,
             source_version, source_etag, import_item_id, source_key, checksum_sha256, metadata, event_id, event_data)
    ), v AS (
      INSERT INTO videos (id, workspace_id, index_id, title, video_uri, storage_key, media_type, status, duration_seconds, size_bytes,
                          content_type, source_connector_id, source_path, source_version, source_etag, import_job_id, import_item_id,
                          source_key, checksum_sha256, metadata, created_at, updated_at)
      SELECT t.id, $1, $2, t.title, t.video_uri, t.storage_key, t.media_type, 'ready', t.duration_seconds, t.size_bytes, t.content_type, $3,
             t.source_path, t.source_version, t.source_etag, $4, t.import_item_id, t.source_key, t.checksum_sha256, t.metadata, now(), now()
      FROM t, sub WHERE NOT sub.subscribed
      ON CONFLICT DO NOTHING
      RETURNING id, import_item_id
    ), e AS (
      INSERT INTO events (id, workspace_id, type, index_id, data, created_at)
      SELECT t.event_id, $1, 'media.created', $2, t.event_data, now() FROM v JOIN t ON t.import_item_id = v.import_item_id
    ), i AS (
      UPDATE import_items SET status = 'imported', video_id = v.id, reason = NULL, updated_at = now()
      FROM v WHERE import_items.id = ANY($16::text[]) AND import_items.id = v.import_item_id AND import_items.job_id = $4
    )
    SELECT import_item_id AS item_id, id AS video_id FROM v`;

/**
 * The batch form of insertVideoUnlessSubscribed: all placed files in one statement (first attempts; the
 * caller records the rest one by one). A file whose row conflicts with a unique key (its source key is
 * already in the index, its item already has a video) is left out — ON CONFLICT DO NOTHING — rather than
 * aborting the others. Nothing at all is written when a webhook subscribes to media.created. Returns
 * item id → video id for the files recorded.
 *
 * The items are found by their ids (`id = ANY(…)`, an index condition whatever the statistics): joined only
 * through `v`, the planner hashed every item of the job for each batch on the embedded database (it has no
 * autovacuum, hence no statistics), O(job size) per batch (tests/integration/imports.test.ts, "recording a batch…").
 */
async function insertVideosUnlessSubscribed(job: ImportJob, store: MediaStore, placed: PlacedFile[]): Promise<Map<string, string>> {
  const rows = await sql<{ item_id: string; video_id: string }>(RECORD_BATCH_SQL, recordBatchParams(job, store, placed), { prepare: true });
  return new Map(rows.map((r) => [r.item_id, r.video_id]));
}

/** RECORD_BATCH_SQL's parameters for these placed files (new video and event ids). */
export function recordBatchParams(job: ImportJob, store: MediaStore, placed: PlacedFile[]): unknown[] {
  const cols: unknown[][] = Array.from({ length: 17 }, () => []);
  for (const p of placed) {
    const v = videoRowOf(job, store, p);
    const id = newId("vid");
    const values = [
      id, v.title, v.videoUri, v.storageKey, v.mediaType, v.durationSeconds ?? null, String(v.sizeBytes), v.contentType ?? null,
      v.sourcePath, v.sourceVersion, v.sourceEtag ?? null, p.item.id, sourceKeyOf(job.indexId, job.connectorId, p.item.path, p.item.version),
      v.checksumSha256, JSON.stringify(v.metadata), newId("evt"), JSON.stringify(mediaCreatedData(job, p.item, id)),
    ];
    values.forEach((x, i) => cols[i].push(x));
  }
  return [job.workspaceId, job.indexId, job.connectorId, job.id, ...cols];
}
