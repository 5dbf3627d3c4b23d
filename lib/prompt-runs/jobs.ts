import { db, type Tx } from "@/lib/db";
import { chunkByBytes } from "@/lib/db/batches";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { env } from "@/lib/config/env";
import { intEnv } from "@/lib/config/int-env";
import { defineJob } from "@/lib/jobs/registry";
import { enqueue, getBoss } from "@/lib/jobs/queue";
import { recordEvent, type EventType } from "@/lib/events/record-event";
import { ENGINES, engineAvailableHere } from "./engines";
import { TransientEngineError, type RunSpec, type VideoOutcome } from "./engines/types";
import { runPromptRunFinishedHooks, type FinishedPromptRun } from "./hooks";

const ACTIVE = ["pending", "processing"];
const DISPATCH_PAGE = 500;
const DISPATCH_PAGES_PER_STEP = 20;
/** A runner works this long, then hands over to a fresh queue job (bounds the queue lease). */
const STEP_SECONDS = 60;
/** A claimed video whose runner vanished is taken over after this long. */
const LEASE_SECONDS = intEnv("GANTRY_PROMPT_RUN_LEASE_SECONDS", 900, 5);
/** Attempts per video for transient engine errors (rate limits, 5xx, timeouts). */
const VIDEO_ATTEMPTS = intEnv("GANTRY_PROMPT_RUN_VIDEO_ATTEMPTS", 3, 1);
/** How long a run waits for a worker that can run its engine before failing. */
const ENGINE_WAIT_MS = 10 * 60_000;
/** Base of the per-video retry backoff: attempt n waits base·2^n·(1 + random) ms. */
const RETRY_BASE_MS = () => intEnv("GANTRY_PROMPT_RUN_RETRY_BASE_MS", 2500, 1);

/** Inserts the per-video rows of a run (batched; a re-run after a crash inserts nothing twice). */
export async function insertRunVideos(client: Tx | typeof db, runId: string, videoIds: readonly string[]): Promise<void> {
  for (const batch of chunkByBytes(videoIds, (v) => v.length + 80)) {
    await client.promptRunVideo.createMany({ data: batch.map((videoId) => ({ id: newId("res"), runId, videoId })), skipDuplicates: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Dispatch: marks the run started, hands out an index's videos page by page (checkpointed), starts runners.

export const dispatchPromptRun = defineJob<{ runId: string }>(
  "prompt-runs.dispatch",
  async ({ runId }) => {
    const run = await db.promptRun.findUnique({ where: { id: runId } });
    if (!run || !ACTIVE.includes(run.status)) return;
    if (run.status === "pending") {
      const won = await db.promptRun.updateMany({ where: { id: runId, status: "pending" }, data: { status: "processing", startedAt: new Date() } });
      if (won.count === 1) {
        await recordEvent({ workspaceId: run.workspaceId, type: "prompt_run.started", indexId: run.indexId, data: runEventData(run) });
        const runners = (run.promptSnapshot as { concurrency?: number }).concurrency ?? env().GANTRY_PROMPT_RUN_CONCURRENCY;
        for (let slot = 0; slot < runners; slot++) await enqueue(runPromptRun, { runId, slot });
      }
    }
    let cursor = run.dispatchCursor;
    for (let page = 0; !run.dispatchDone && page < DISPATCH_PAGES_PER_STEP; page++) {
      const videos = await db.video.findMany({
        where: { indexId: run.indexId, workspaceId: run.workspaceId, status: "ready", createdAt: { lte: run.createdAt }, ...(cursor ? { id: { gt: cursor } } : {}) },
        orderBy: { id: "asc" }, take: DISPATCH_PAGE, select: { id: true },
      });
      await insertRunVideos(db, runId, videos.map((v) => v.id));
      cursor = videos.at(-1)?.id ?? cursor;
      const done = videos.length < DISPATCH_PAGE;
      await db.promptRun.update({ where: { id: runId }, data: { dispatchCursor: cursor, dispatchDone: done } });
      if (done) {
        await refreshRunCounters(runId);
        await maybeFinishRun(runId);
        return;
      }
    }
    if (!run.dispatchDone) await enqueue(dispatchPromptRun, { runId });
    else await maybeFinishRun(runId);
  },
  { retryLimit: 8, retryDelay: 5, expireInSeconds: 300 },
);

// ---------------------------------------------------------------------------------------------------
// Run: each runner claims one pending video at a time (SKIP LOCKED), runs the engine, stores the result.

export const runPromptRun = defineJob<{ runId: string; slot: number }>(
  "prompt-runs.run",
  async ({ runId, slot }, ctx) => {
    const started = Date.now();
    const run = await db.promptRun.findUnique({ where: { id: runId } });
    if (!run || !ACTIVE.includes(run.status)) return;
    const spec = run.promptSnapshot as unknown as RunSpec;
    const engine = ENGINES[run.engine as keyof typeof ENGINES];
    if (!engineAvailableHere(run.engine)) {
      // This worker lacks the engine's configuration (workers may differ): leave the videos to one that
      // has it. If none has picked any up for ENGINE_WAIT_MS, the run fails with a clear message.
      const claimed = await db.promptRunVideo.count({ where: { runId, attempts: { gt: 0 } } });
      if (claimed === 0 && Date.now() - (run.startedAt ?? run.createdAt).getTime() > ENGINE_WAIT_MS) {
        await db.promptRunVideo.updateMany({ where: { runId, status: "pending" }, data: { status: "failed", error: "no worker has the OpenAI-compatible engine configured (GANTRY_LLM_BASE_URL, GANTRY_LLM_MODEL)" } });
        await refreshRunCounters(runId);
        await maybeFinishRun(runId);
        return;
      }
      await enqueue(runPromptRun, { runId, slot }, { startAfter: 5 });
      return;
    }
    while (Date.now() - started < STEP_SECONDS * 1000) {
      const now = await db.promptRun.findUnique({ where: { id: runId }, select: { status: true, dispatchDone: true } });
      if (!now || !ACTIVE.includes(now.status)) return;
      const item = await claimVideo(runId);
      if (!item) {
        if (now.dispatchDone) {
          // Nothing claimable now: finished, or only videos waiting out a retry delay.
          const waiting = await db.promptRunVideo.count({ where: { runId, status: { in: ["pending", "processing"] } } });
          if (waiting === 0) return void (await maybeFinishRun(runId));
        }
        await enqueue(runPromptRun, { runId, slot }, { startAfter: 1 });
        return;
      }
      const video = await db.video.findUnique({ where: { id: item.videoId } });
      if (item.attempts === 1) {
        await recordEvent({ workspaceId: run.workspaceId, type: "media.processing.started", indexId: run.indexId, data: { video_id: item.videoId, run_id: runId } });
      }
      let outcome: VideoOutcome;
      // Keep the claim fresh while the engine works, so no other runner takes the video over.
      const heartbeat = setInterval(() => {
        void db.promptRunVideo.updateMany({ where: { id: item.id, status: "processing", attempts: item.attempts }, data: { claimedAt: new Date() } }).catch(() => undefined);
      }, (LEASE_SECONDS * 1000) / 3);
      try {
        if (!video) throw new Error("the video was deleted");
        outcome = await engine.processVideo(video, spec, ctx.signal);
      } catch (err) {
        if (err instanceof TransientEngineError && item.attempts < VIDEO_ATTEMPTS) {
          const delay = 2 ** item.attempts * RETRY_BASE_MS() * (1 + Math.random()); // backoff with jitter
          await db.promptRunVideo.updateMany({
            where: { id: item.id, status: "processing", attempts: item.attempts },
            data: { status: "pending", claimedAt: new Date(Date.now() + delay), error: err.message.slice(0, 1000) },
          });
          continue;
        }
        outcome = { videoResult: null, segments: [], error: (err as Error).message.slice(0, 1000) };
      } finally {
        clearInterval(heartbeat);
      }
      if (!(await storeOutcome(item, run.engine, outcome))) continue; // taken over meanwhile: the new claim owns it
      await recordEvent({
        workspaceId: run.workspaceId, type: outcome.error ? "media.processing.failed" : "media.processing.completed", indexId: run.indexId,
        data: { video_id: item.videoId, run_id: runId, ...(outcome.error ? { error: outcome.error } : {}) },
      });
      await refreshRunCounters(runId);
      await maybeProgressEvent(runId);
    }
    await enqueue(runPromptRun, { runId, slot });
  },
  { retryLimit: 10, retryDelay: 2, expireInSeconds: LEASE_SECONDS + STEP_SECONDS + 30 },
);

async function claimVideo(runId: string) {
  const staleBefore = new Date(Date.now() - LEASE_SECONDS * 1000);
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE prompt_run_videos SET status = 'processing', claimed_at = now(), attempts = attempts + 1,
      started_at = coalesce(started_at, now()), updated_at = now()
    WHERE id = (
      SELECT id FROM prompt_run_videos
      WHERE run_id = ${runId}
        AND ((status = 'pending' AND (claimed_at IS NULL OR claimed_at <= now())) OR (status = 'processing' AND claimed_at < ${staleBefore}))
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    RETURNING id`;
  if (!rows.length) return null;
  return db.promptRunVideo.findUnique({ where: { id: rows[0].id } });
}

/**
 * Stores the video's result and segments in one transaction, only if this runner still holds the claim
 * (same attempt): a runner that was presumed dead and taken over cannot overwrite the new owner's result.
 */
async function storeOutcome(item: { id: string; runId: string; attempts: number }, engine: string, o: VideoOutcome): Promise<boolean> {
  const rows = o.segments.map((s, i) => ({
    id: newId("seg"), resultId: item.id, runId: item.runId, ordinal: i, startSeconds: s.start, endSeconds: s.end, status: s.status,
    data: s.data === null ? undefined : (s.data as object), error: s.error,
  }));
  return db.$transaction(async (tx) => {
    const owned = await tx.promptRunVideo.updateMany({
      where: { id: item.id, status: "processing", attempts: item.attempts },
      data: {
        status: o.error ? "failed" : "completed", engine, videoResult: o.videoResult ? (o.videoResult as object) : undefined,
        error: o.error, completedAt: new Date(),
      },
    });
    if (owned.count !== 1) return false;
    await tx.promptRunSegment.deleteMany({ where: { resultId: item.id } });
    for (const batch of chunkByBytes(rows, (r) => JSON.stringify(r.data ?? null).length + (r.error?.length ?? 0) + 120)) {
      await tx.promptRunSegment.createMany({ data: batch });
    }
    return true;
  });
}

/** Counters derived from the per-video rows in one statement, never incremented. */
export async function refreshRunCounters(runId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE prompt_runs r SET
      video_count = CASE WHEN r.dispatch_done THEN s.total ELSE greatest(r.video_count, s.total) END,
      completed_videos = s.completed, failed_videos = s.failed, updated_at = now()
    FROM (
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE status = 'completed')::int AS completed,
             count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM prompt_run_videos WHERE run_id = ${runId}
    ) s
    WHERE r.id = ${runId}`;
}

/** Ends the run once every video is handed out and none is pending or in flight. */
export async function maybeFinishRun(runId: string): Promise<void> {
  const run = await db.promptRun.findUnique({ where: { id: runId } });
  if (!run || !run.dispatchDone || !ACTIVE.includes(run.status)) return;
  const open = await db.promptRunVideo.count({ where: { runId, status: { in: ["pending", "processing"] } } });
  if (open > 0) return;
  await refreshRunCounters(runId);
  const fresh = (await db.promptRun.findUnique({ where: { id: runId } }))!;
  const status = fresh.failedVideos === 0 ? "completed" : fresh.completedVideos === 0 ? "failed" : "completed_with_failures";
  await finishRun(runId, status, status === "failed" ? "every video failed" : null);
}

const FINISH_EVENT: Record<FinishedPromptRun["status"], EventType> = {
  completed: "prompt_run.completed",
  completed_with_failures: "prompt_run.partial_completed",
  failed: "prompt_run.failed",
  cancelled: "prompt_run.cancelled",
};

/**
 * Moves an active run to a terminal status. Exactly one caller wins; the winner's transaction also
 * records the event and runs the finish hooks (export automations), so they happen exactly once.
 */
export async function finishRun(runId: string, status: FinishedPromptRun["status"], errorMessage: string | null = null): Promise<boolean> {
  await getBoss(); // hooks may enqueue inside the transaction below
  const won = await db.$transaction(async (tx) => {
    const r = await tx.promptRun.updateMany({ where: { id: runId, status: { in: ACTIVE } }, data: { status, completedAt: new Date(), errorMessage } });
    if (r.count !== 1) return false;
    if (status === "cancelled") await tx.promptRunVideo.updateMany({ where: { runId, status: "pending" }, data: { status: "cancelled" } });
    const run = (await tx.promptRun.findUnique({ where: { id: runId } }))!;
    await recordEvent({ workspaceId: run.workspaceId, type: FINISH_EVENT[status], indexId: run.indexId, data: runEventData(run) }, tx);
    await runPromptRunFinishedHooks({ id: run.id, workspaceId: run.workspaceId, indexId: run.indexId, status, automationId: run.automationId }, tx);
    return true;
  });
  if (won) {
    await refreshRunCounters(runId);
    logger.info("prompt run finished", { runId, status });
  }
  return won;
}

function runEventData(r: { id: string; indexId: string; promptId: string; videoCount: number; completedVideos: number; failedVideos: number; status: string }) {
  return {
    run_id: r.id, index_id: r.indexId, prompt_id: r.promptId, status: r.status,
    video_count: r.videoCount, completed_videos: r.completedVideos, failed_videos: r.failedVideos,
  };
}

/** prompt_run.progress at most every 10 s per run. */
async function maybeProgressEvent(runId: string): Promise<void> {
  const cutoff = new Date(Date.now() - 10_000);
  const won = await db.promptRun.updateMany({ where: { id: runId, OR: [{ lastProgressAt: null }, { lastProgressAt: { lt: cutoff } }] }, data: { lastProgressAt: new Date() } });
  if (won.count !== 1) return;
  const r = await db.promptRun.findUnique({ where: { id: runId } });
  if (r) await recordEvent({ workspaceId: r.workspaceId, type: "prompt_run.progress", indexId: r.indexId, data: runEventData(r) });
}
