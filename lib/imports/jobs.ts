import { db, sql, type Tx } from "@/lib/db";
import { logger } from "@/lib/logger";
import { defineJob } from "@/lib/jobs/registry";
import { enqueue, enqueueMany, getBoss, wakeWorkers, workedHere } from "@/lib/jobs/queue";
import { buildMatcher } from "@/lib/connectors/browse";
import { recordEvent } from "@/lib/events/record-event";
import { mediaStore } from "@/lib/media/store";
import { providerForConnector } from "@/lib/providers/factory";
import { isStorageError } from "@/lib/providers/errors";
import type { ListQuery } from "@/lib/providers/types";
import { listWithReadAhead, prefetchList } from "@/lib/providers/read-ahead";
import type { ImportItem, ImportJob, Prisma } from "@/lib/generated/prisma/client";
import { prepareListedPage } from "./classify";
import { fetchSmallFilesInThread, placeFetched, placeFile, recordPlacedFiles, type FileOutcome, type PlacedFile } from "./import-file";
import { deferProgressRefresh, finishIfDone, refreshProgress, refreshProgressThrottled } from "./progress";
import { ACTIVE_IMPORT_STATUSES } from "./statuses";
import { importSettings } from "./settings";
import { runImportJobFinishedHooks } from "./hooks";

const PAGES_PER_SCAN_STEP = 20;
/** A runner re-reads its job's status (a cancel) at most this often while files keep coming. */
const STATUS_CHECK_MS = 500;

// ---------------------------------------------------------------------------------------------------
// Scan: list the location page by page (checkpointing the provider cursor), record one row per file.

export const scanImportJob = defineJob<{ jobId: string }>(
  "imports.scan",
  async ({ jobId }) => {
    const job = await db.importJob.findUnique({ where: { id: jobId } });
    if (!job || !ACTIVE_IMPORT_STATUSES.includes(job.status)) return;
    if (job.listingDone) return void (await afterListing(job)); // a step that crashed after the last page
    const provider = await openSource(job);
    if (!provider) return;
    const matcher = buildMatcher(job.sourcePrefix, job.filePattern);
    const query = (cursor: string | undefined) => scanQuery(job, cursor);
    let cursor = job.listingCursor ?? undefined;
    // The first page is on its way while the job is marked started (a listing's round trip saved).
    prefetchList(provider, query(cursor));
    if (job.status === "pending") {
      const started = await db.importJob.updateMany({ where: { id: jobId, status: "pending" }, data: { status: "scanning", startedAt: new Date() } });
      if (started.count === 1) {
        await recordEvent({ workspaceId: job.workspaceId, type: "import_job.started", indexId: job.indexId, data: { job_id: job.id, index_id: job.indexId, connector_id: job.connectorId } });
      }
    }
    // Counters and progress events wait their interval from the start (a short job is counted once, at its end).
    deferProgressRefresh(jobId);
    throttled(`progress:${jobId}`, PROGRESS_EVENT_MS);
    // A page's statement is in flight while the next page is listed and built (prepareListedPage: ids,
    // source keys, arrays); it is settled before the next one is sent, so pages commit in listing order
    // (each one's compare-and-set expects the checkpoint the previous one left).
    let recording: Promise<{ added: number; active: boolean }> | undefined;
    /**
     * Takes in the page in flight, if any: "go" on, "stop", or "resync" when the job refused the page
     * while still listing — another step moved its checkpoint (this one outlived its queue lease and was
     * retried, or the reverse). Then this step goes on from the job's checkpoint, as both did before pages
     * were recorded exactly once: should the other step die, the listing still finishes.
     */
    const settle = async (): Promise<"go" | "stop" | "resync"> => {
      if (!recording) return "go";
      const { added, active } = await recording;
      recording = undefined;
      if (!active) {
        const now = await db.importJob.findUnique({ where: { id: jobId }, select: { status: true, listingDone: true, listingCursor: true } });
        if (!now || !ACTIVE_IMPORT_STATUSES.includes(now.status) || now.listingDone) return "stop";
        cursor = now.listingCursor ?? undefined;
        return "resync";
      }
      if (added > 0) {
        if (!job.runnersStarted) {
          await startRunnersOnce(jobId);
          job.runnersStarted = true;
        }
        signalItems(jobId);
      }
      // Counts are recomputed at most once a second while listing (a recount per page made a rescan of
      // n files O(n²)); maybeFinish recounts once more before the job ends.
      await refreshProgressThrottled(jobId);
      await maybeProgressEvent(job);
      return "go";
    };
    for (let pages = 0; pages < PAGES_PER_SCAN_STEP; pages++) {
      let page;
      try {
        // The next page is listed while the previous one is recorded.
        page = await listWithReadAhead(provider, query(cursor));
      } catch (err) {
        logger.warn("import scan: listing failed", { jobId, error: (err as Error).message });
        const settled = await settle(); // what was listed before the error is kept
        if (settled === "stop") return;
        if (settled === "resync") continue; // the error was on a stale cursor: another step is listing
        if (isStorageError(err) && err.retryable) throw err; // the queue retries the step with backoff
        await failJob(job, `listing failed: ${(err as Error).message}`);
        return;
      }
      const files = page.objects.filter((o) => !o.path.endsWith("/") && matcher.matches(o.path));
      // The page's items and its checkpoint commit together (one WAL flush per page instead of one per
      // statement: on the embedded database the flushes were half of a rescan's time; usually one
      // statement). The checkpoint is also the cancel check: a job cancelled meanwhile stops here, and a
      // step whose page another step already recorded (the checkpoint moved: compare-and-set) resyncs.
      const send = prepareListedPage(job, files, { from: cursor ?? null, cursor: page.cursor ?? null });
      const before = await settle();
      if (before === "stop") return;
      if (before === "resync") continue; // list again from the job's checkpoint
      recording = send();
      recording.catch(() => {}); // settle awaits it; a rejection meanwhile is not an unhandled one
      if (!page.cursor) {
        const last = await settle();
        if (last === "stop") return;
        if (last === "resync") continue;
        // The last page's statement marked the listing done and the job importing.
        signalItems(jobId);
        await afterListing(job);
        return;
      }
      cursor = page.cursor;
    }
    if ((await settle()) === "stop") return;
    await enqueue(scanImportJob, { jobId }); // continue in a fresh step (bounded lease per step)
  },
  { retryLimit: 8, retryDelay: 5, expireInSeconds: 120 + importSettings.leaseSeconds },
);

/** The scan's listing request for `job` from `cursor` (pages of 1,000). */
function scanQuery(job: Pick<ImportJob, "sourcePrefix" | "filePattern" | "recursive">, cursor: string | undefined): ListQuery {
  return { prefix: buildMatcher(job.sourcePrefix, job.filePattern).listPrefix, delimiter: job.recursive ? undefined : "/", cursor, pageSize: 1000 };
}

/**
 * A new job's first listing page, requested as the job is created when this process runs the worker (the
 * scan, picked up from the queue tens of milliseconds later, finds the page there or on its way: a new_only
 * rescan of 10,000 files took ~450 ms, ~30 ms of it before the scan had even started listing). Best effort:
 * a failure is dropped here and the scan lists, and reports, for itself.
 */
export function prefetchFirstPage(job: Pick<ImportJob, "workspaceId" | "connectorId" | "sourcePrefix" | "filePattern" | "recursive">): void {
  if (!workedHere(scanImportJob)) return; // another process scans: a listing here would be wasted
  providerForConnector(job.workspaceId, job.connectorId).then(
    (provider) => prefetchList(provider, scanQuery(job, undefined)),
    () => undefined,
  );
}

// ---------------------------------------------------------------------------------------------------
// Run: each of `concurrency` runners claims pending files a few at a time (SKIP LOCKED), copies them one
// after another, records the batch, and continues in bounded steps. A claim not renewed within the lease
// is taken over by another runner.

/**
 * A runner claims at most this many files at once (doubling from 1 per step: small jobs stay parallel)…
 * A batch's claim and its records are one statement each: 5,000 × 20 KB on the embedded database took
 * 9.2 s of its CPU with 8, 5.6–6.0 s with 32 (the job 22.0 s → 19.5–20.9 s); 2.7–3.1 s against 3.0–3.2 s
 * with 128 rather than 32 (bench/RESULTS.md, session 11). A thread batch still holds at most THREAD_BATCH_BYTES.
 */
const CLAIM_FILES = 128;
/** …and at most this many bytes by the listing (one file however large): 200 × 5 MB took ~3 s of the embedded database's CPU at 8 MiB, ~1.8 s at 32. */
const CLAIM_BYTES = 32 * 1024 * 1024;

export const runImportJob = defineJob<{ jobId: string; slot: number }>(
  "imports.run",
  async ({ jobId, slot }) => {
    const started = Date.now();
    const job = await db.importJob.findUnique({ where: { id: jobId } });
    if (!job || !ACTIVE_IMPORT_STATUSES.includes(job.status)) return;
    const store = mediaStore();
    const provider = await openSource(job);
    if (!provider) return;
    let status: { status: string; listingDone: boolean } | null = null;
    let checkedAt = 0;
    let reading: Promise<void> | null = null;
    const readStatus = () =>
      (reading ??= sql<{ status: string; listingDone: boolean }>(`SELECT status, listing_done AS "listingDone" FROM import_jobs WHERE id = $1`, [jobId], { prepare: true })
        .then((rows) => {
          status = rows[0] ?? null;
          checkedAt = Date.now();
        })
        .finally(() => (reading = null)));
    /**
     * The job is still active. While files keep coming its status is re-read every STATUS_CHECK_MS in the
     * background (a cancel is seen within about that), so the runner never waits on the round trip; it
     * waits for a fresh read only at first and while the listing is still running (then listingDone matters).
     */
    const active = async () => {
      if (!status || !status.listingDone) await readStatus();
      else if (Date.now() - checkedAt >= STATUS_CHECK_MS) readStatus().catch(() => {}); // a failed read is retried at the next check
      return !!status && ACTIVE_IMPORT_STATUSES.includes(status.status);
    };
    let batchSize = 1;
    // The previous batch's finish (probes, placement, records) runs while this runner claims and copies the
    // next one: the runner's transfer slot is not left idle for the database round trips and the probe.
    let finishing: Promise<boolean> | null = null;
    const finished = async () => {
      const f = finishing;
      finishing = null;
      return f ? await f : true;
    };
    const stepEnds = started + importSettings.stepSeconds * 1000;
    // The next batch is claimed while this one copies, so the claim's round trip (tens of ms on a busy
    // embedded database) is off the runner's path. Whatever was claimed ahead and not started goes back.
    let ahead: Promise<ImportItem[]> | null = null;
    const dropAhead = async () => {
      const a = ahead;
      ahead = null;
      if (a) await releaseClaims((await a).map((i) => i.id));
    };
    try {
      while (Date.now() < stepEnds) {
        if (!(await active())) return void (await finished());
        const items = ahead ? await ahead : await claimItems(jobId, batchSize);
        ahead = null;
        if (items.length === 0) {
          if (finishing) {
            if (!(await finished())) return;
            continue;
          }
          if (status!.listingDone) {
            await maybeFinish(jobId);
            return;
          }
          // Listing still running: wait for the scan's next page (woken at once when the scan runs in this
          // process; another process's scan is noticed within a second), then look again.
          await waitForItems(jobId, 1000);
          continue;
        }
        batchSize = Math.min(CLAIM_FILES, batchSize * 2);
        if (Date.now() < stepEnds) (ahead = claimItems(jobId, batchSize)).catch(() => {}); // observed when taken or dropped
        const { done } = await copyBatch(job, items, provider, store, active);
        // One batch finishing at a time per runner: the previous one is recorded before this one may be.
        if (!(await finished())) return void (await done);
        finishing = done;
        await refreshProgressThrottled(jobId);
        await maybeProgressEvent(job);
      }
      if (!(await finished())) return;
      await dropAhead();
      await enqueue(runImportJob, { jobId, slot });
    } finally {
      // Not released (the database failing): they are taken over once their claim goes stale.
      await dropAhead().catch((err: Error) => logger.warn("could not release files claimed ahead", { jobId, err: err.message }));
    }
  },
  // The queue lease covers one step plus the longest a single file may run without renewing its claim;
  // a runner killed mid-step is retried after it (its in-flight files are taken over after leaseSeconds).
  { retryLimit: 10, retryDelay: 1, expireInSeconds: importSettings.leaseSeconds + importSettings.stepSeconds + 10 },
);

/**
 * Copies a runner's claimed files one after another (the small ones together in a copy thread when the
 * source can describe a plain GET and the media store is local: fetchSmallFilesInThread), then records them: the imported ones in one
 * statement (recordPlacedFiles), the others' item rows in another. Their claims are renewed together
 * while any is in flight. A job cancelled meanwhile stops the batch: what was copied is recorded, the
 * files not started go back to pending. False when the job is no longer active.
 */
export async function runBatch(...args: Parameters<typeof copyBatch>): Promise<boolean> {
  return (await (await copyBatch(...args)).done);
}

/**
 * runBatch in two parts: resolves once the last file's bytes are in, with `done` for the rest (that file's
 * probe and placement, the batch's records). A file's probe and placement overlap the next file's transfer,
 * so a runner has one file transferring and at most one finishing. `done` never rejects unobserved.
 */
export async function copyBatch(
  job: ImportJob,
  items: ImportItem[],
  provider: Awaited<ReturnType<typeof providerForConnector>>,
  store: ReturnType<typeof mediaStore>,
  active: () => Promise<boolean>,
): Promise<{ done: Promise<boolean> }> {
  const ids = items.map((i) => i.id);
  // The whole batch's claims, renewed by each file's heartbeat and, between files, once a third of the
  // lease has passed (files of the batch still waiting their turn must not look abandoned).
  let renewedAt = Date.now();
  const renewClaims = () => {
    renewedAt = Date.now();
    return sql("UPDATE import_items SET claimed_at = now() WHERE id = ANY($1::text[]) AND status = 'importing'", [ids]).then(() => undefined);
  };
  const placed: PlacedFile[] = [];
  const settled = new Map<string, FileOutcome>();
  const placing: Promise<void>[] = [];
  let stillActive = true;
  if (throttled(`file:${job.id}`, 1000)) await db.importJob.update({ where: { id: job.id }, data: { currentFile: items[0].path } });
  // Small files first, all together in a copy thread; the rest (and any it did not take) one by one below.
  // Their probes wait for `done`: the runner goes on to its next claim meanwhile.
  const early = new Map((await fetchSmallFilesInThread(job, items, provider, store, renewClaims)).map((f) => [f.item.id, f]));
  for (const item of items) {
    if (early.has(item.id)) continue;
    if ((early.size > 0 || item !== items[0]) && !(stillActive = await active())) break;
    if (Date.now() - renewedAt > (importSettings.leaseSeconds * 1000) / 3) await renewClaims();
    if (throttled(`file:${job.id}`, 1000)) await db.importJob.update({ where: { id: job.id }, data: { currentFile: item.path } });
    let bytesIn!: () => void;
    const transferred = new Promise<void>((resolve) => (bytesIn = resolve));
    const place = placeFile(job, item, provider, store, renewClaims, bytesIn).then((outcome) => {
      if (outcome.status === "placed") placed.push(outcome.placed);
      else settled.set(item.id, outcome);
    });
    place.catch(() => {}); // observed through `done` (or the race below)
    placing.push(place);
    await Promise.race([transferred, place]);
  }
  const done = (async () => {
    for (const f of early.values()) {
      const outcome = await placeFetched(f);
      if (outcome.status === "placed") placed.push(outcome.placed);
      else settled.set(f.item.id, outcome);
    }
    await Promise.all(placing);
    if (placed.length > 0) for (const [id, outcome] of await recordPlacedFiles(job, store, placed)) settled.set(id, outcome);
    await settleItems(settled);
    const unstarted = ids.filter((id) => !settled.has(id));
    await releaseClaims(unstarted);
    return stillActive;
  })();
  done.catch(() => {});
  return { done };
}

/** Claimed files never started go back to pending, their attempt not counted. */
async function releaseClaims(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql("UPDATE import_items SET status = 'pending', claimed_at = NULL, attempts = attempts - 1, updated_at = now() WHERE id = ANY($1::text[]) AND status = 'importing'", [ids]);
}

/** Writes the outcomes not already recorded with their video (skips, failures, reused videos) in one statement. */
async function settleItems(outcomes: Map<string, FileOutcome>): Promise<void> {
  const rows = [...outcomes].filter(([, o]) => !(o.status === "imported" && o.recorded));
  if (rows.length === 0) return;
  await sql(
    `UPDATE import_items i SET status = t.status, video_id = coalesce(t.video_id, i.video_id), reason = t.reason, updated_at = now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, status, video_id, reason) WHERE i.id = t.id`,
    [
      rows.map(([id]) => id),
      rows.map(([, o]) => o.status),
      rows.map(([, o]) => (o.status === "imported" ? o.videoId : null)),
      rows.map(([, o]) => (o.status === "imported" ? null : o.status === "skipped" ? o.reason : o.error.slice(0, 1000))),
    ],
  );
}

/**
 * Claims up to `files` files, at most CLAIM_BYTES of them by the listing (always at least one): the lowest
 * pending ones (read from the pending-only partial index, however large the job), else ones whose claim
 * went stale (their runner died). The rows come back from the claim, in id order.
 */
export async function claimItems(jobId: string, files: number): Promise<ImportItem[]> {
  // Plain pg statements (timestamps come back as epoch milliseconds).
  const claim = async (which: string, params: unknown[]) => {
    const rows = await sql<ClaimedRow>(
      `WITH c AS (
         SELECT id, size_bytes FROM import_items WHERE job_id = $1 AND ${which} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
       ), w AS (
         SELECT id FROM (SELECT id, sum(size_bytes) OVER (ORDER BY id) AS run, row_number() OVER (ORDER BY id) AS n FROM c) x WHERE n = 1 OR run <= $3
       )
       UPDATE import_items SET status = 'importing', claimed_at = now(), attempts = attempts + 1, updated_at = now()
       WHERE id IN (SELECT id FROM w)
       RETURNING id, job_id AS "jobId", path, version, etag, size_bytes AS "sizeBytes", status, reason, video_id AS "videoId", attempts,
                 (extract(epoch from claimed_at) * 1000)::float8 AS "claimedAt", (extract(epoch from created_at) * 1000)::float8 AS "createdAt",
                 (extract(epoch from updated_at) * 1000)::float8 AS "updatedAt"`,
      [jobId, files, CLAIM_BYTES, ...params],
      { prepare: true },
    );
    return rows.map(claimedRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  const staleBefore = new Date(Date.now() - importSettings.leaseSeconds * 1000);
  const fresh = await claim("status = 'pending'", []);
  return fresh.length > 0 ? fresh : await claim("status = 'importing' AND claimed_at < $4::timestamp", [staleBefore.toISOString()]);
}

type ClaimedRow = Omit<ImportItem, "sizeBytes" | "claimedAt" | "createdAt" | "updatedAt"> & {
  sizeBytes: string;
  claimedAt: number | null;
  createdAt: number;
  updatedAt: number;
};

function claimedRow(r: ClaimedRow): ImportItem {
  return {
    ...r,
    sizeBytes: BigInt(r.sizeBytes),
    attempts: Number(r.attempts),
    claimedAt: r.claimedAt === null ? null : new Date(r.claimedAt),
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}

// In-process hand-off between a job's scan and its runners: a runner with nothing to claim waits here
// until the scan has recorded a page with files to import (or finished), instead of re-queueing itself.
// On globalThis: Next.js may bundle this module more than once in one process.
const gi = globalThis as unknown as { __gantryImportItemWaiters?: Map<string, Set<() => void>> };
const itemWaiters = (gi.__gantryImportItemWaiters ??= new Map<string, Set<() => void>>());

function signalItems(jobId: string): void {
  const waiters = itemWaiters.get(jobId);
  if (!waiters) return;
  itemWaiters.delete(jobId);
  for (const w of waiters) w();
}

function waitForItems(jobId: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let waiters = itemWaiters.get(jobId);
    if (!waiters) itemWaiters.set(jobId, (waiters = new Set()));
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      if (waiters.size === 0 && itemWaiters.get(jobId) === waiters) itemWaiters.delete(jobId);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    waiters.add(done);
  });
}

/** True at most once per `ms` per key in this process (for writes that only feed the UI). */
const lastTimes = new Map<string, number>();
function throttled(key: string, ms: number, now = Date.now()): boolean {
  if (now - (lastTimes.get(key) ?? 0) < ms) return false;
  if (lastTimes.size > 10_000) lastTimes.clear();
  lastTimes.set(key, now);
  return true;
}

/**
 * Queues the job's runners. With `tx`, inside that transaction, so that they start exactly when what
 * the caller writes with them commits (the caller then calls wakeRunners).
 */
export async function startRunners(job: Pick<ImportJob, "id">, tx?: Tx): Promise<void> {
  await enqueueMany(runImportJob, runnerSlots(job.id), tx ? { db: tx } : {});
}

/** This process's idle workers take runners queued in a transaction now that it has committed. */
export function wakeRunners(): void {
  wakeWorkers(runImportJob);
}

const runnerSlots = (jobId: string) => Array.from({ length: importSettings.concurrency }, (_, slot) => ({ jobId, slot }));

/**
 * Starts an active job's runners exactly once, crashes included: the job's flag commits with their queue
 * rows (`also`: more of the job's row to write with it). A scan calls it when it first records files for
 * them, not when it begins: a new_only rescan that skips every file starts none (their queue pickups and
 * polling competed with its pages for the embedded database). An automation calls it when it hands its
 * listed job over. A job cancelled meanwhile, or already running, gets none.
 */
export async function startRunnersOnce(jobId: string, also: Prisma.ImportJobUpdateManyMutationInput = {}): Promise<void> {
  await getBoss();
  await db.$transaction(async (tx) => {
    const flagged = await tx.importJob.updateMany({
      where: { id: jobId, runnersStarted: false, status: { in: ACTIVE_IMPORT_STATUSES } },
      data: { ...also, runnersStarted: true },
    });
    if (flagged.count === 1) await startRunners({ id: jobId }, tx);
  });
  wakeRunners();
}

/**
 * After the scan's last page (or a step that finds the listing done): the job ends here when nothing is
 * left to import, else its runners are made sure of (a step that crashed between recording files and
 * starting them).
 */
async function afterListing(job: ImportJob): Promise<void> {
  if (await maybeFinish(job.id)) return;
  if (!job.runnersStarted) await startRunnersOnce(job.id);
}

// ---------------------------------------------------------------------------------------------------

/**
 * Ends the job once listing is done and no file is pending or in flight. Exactly one caller wins (true;
 * the others, and every caller while files remain, get false).
 */
export async function maybeFinish(jobId: string): Promise<boolean> {
  const finished = await finishIfDone(jobId, ACTIVE_IMPORT_STATUSES);
  if (!finished) return false;
  const job = await db.importJob.findUnique({ where: { id: jobId } });
  if (!job) return true; // deleted meanwhile
  const { status, imported, failed, skipped } = finished;
  const type = status === "failed" ? "import_job.failed" : failed > 0 ? "import_job.partial_completed" : "import_job.completed";
  await recordEvent({ workspaceId: job.workspaceId, type, indexId: job.indexId, data: { job_id: job.id, index_id: job.indexId, imported, failed, skipped } });
  logger.info("import job finished", { jobId, status, imported, failed, skipped });
  await runImportJobFinishedHooks(job);
  return true;
}

/** The job's connector as a storage provider, or null after failing the job when it cannot be used. */
async function openSource(job: ImportJob) {
  try {
    return await providerForConnector(job.workspaceId, job.connectorId);
  } catch (err) {
    await failJob(job, `connector unavailable: ${(err as Error).message}`);
    return null;
  }
}

async function failJob(job: ImportJob, message: string): Promise<void> {
  const won = await db.importJob.updateMany({ where: { id: job.id, status: { in: ACTIVE_IMPORT_STATUSES } }, data: { status: "failed", errorMessage: message.slice(0, 1000), completedAt: new Date(), currentFile: null } });
  if (won.count === 1) {
    await refreshProgress(job.id);
    await recordEvent({ workspaceId: job.workspaceId, type: "import_job.failed", indexId: job.indexId, data: { job_id: job.id, index_id: job.indexId, error: message.slice(0, 500) } });
  }
}

const PROGRESS_EVENT_MS = 10_000;

/**
 * import_job.progress at most every 10 s per job, the first 10 s after the job started: a job done
 * sooner reports started and completed only (its first scan page no longer pays three statements).
 */
export async function maybeProgressEvent(job: Pick<ImportJob, "id">, now = Date.now()): Promise<void> {
  if (!throttled(`progress:${job.id}`, PROGRESS_EVENT_MS, now)) return; // this process tried less than 10 s ago
  const cutoff = new Date(now - PROGRESS_EVENT_MS);
  const won = await db.importJob.updateMany({
    where: { id: job.id, OR: [{ lastProgressAt: { lt: cutoff } }, { lastProgressAt: null, startedAt: { lt: cutoff } }] },
    data: { lastProgressAt: new Date(now) },
  });
  if (won.count !== 1) return;
  const j = await db.importJob.findUnique({ where: { id: job.id } });
  if (!j) return;
  await recordEvent({ workspaceId: j.workspaceId, type: "import_job.progress", indexId: j.indexId, data: {
    job_id: j.id, total_files: j.totalFiles, imported: j.importedFiles, failed: j.failedFiles, skipped: j.skippedFiles,
    bytes_transferred: Number(j.bytesTransferred),
  } });
}
