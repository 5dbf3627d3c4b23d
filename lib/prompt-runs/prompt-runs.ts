import type { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ApiError } from "@/lib/api/errors";
import { decodeCursor, encodeCursor, pageByIdDesc } from "@/lib/api/pagination";
import { enqueue, getBoss } from "@/lib/jobs/queue";
import { env } from "@/lib/config/env";
import { getIndex } from "@/lib/indexes/indexes";
import { resolveEngine } from "./engines";
import type { RunSpec } from "./engines/types";
import { dispatchPromptRun, finishRun, insertRunVideos } from "./jobs";
import { ACTIVE_RUN_STATUSES, type ExecuteBody, type ResultsQuery, type RunOptions } from "./schemas";

type Options = { [K in keyof typeof RunOptions]?: z.infer<(typeof RunOptions)[K]> };

/** The options of a run (execute body or an automation's prompt_preset), resolved and checked. */
export function resolveRunOptions(o: Options, fieldPrefix = "") {
  const engine = resolveEngine(o.processing_model, `${fieldPrefix}processing_model`);
  return {
    ...engine,
    segmentationType: o.video_segmentation_type ?? "fixed",
    segmentDuration: o.video_segment_duration ?? 10,
    enableTranscription: o.enable_transcription ?? false,
  };
}

export type StartRunInput = {
  workspaceId: string;
  promptId: string;
  indexId: string;
  /** null: every ready video of the index when the run starts. */
  videoIds: string[] | null;
  options: Options;
  automationId?: string | null;
  importJobId?: string | null;
};

/**
 * Creates a run and its queue work. Inside `tx` when given (the caller must have awaited getBoss()),
 * else in a transaction of its own: the run row, its per-video rows and the first queue job commit together.
 */
export async function startPromptRun(input: StartRunInput, tx?: Tx): Promise<string> {
  // Inside the caller's transaction every query must use it: on the embedded database a second
  // connection waits for the open transaction (and would wait out its timeout).
  const prompt = await (tx ?? db).prompt.findFirst({ where: { id: input.promptId, workspaceId: input.workspaceId } });
  if (!prompt) {
    throw new ApiError("prompt_not_found", `No prompt ${input.promptId} in this workspace.`, { fields: [{ field: "prompt_id", message: "no such prompt" }] });
  }
  if (!prompt.isActive) throw ApiError.validation([{ field: "prompt_id", message: "the prompt is not active" }]);
  const opts = resolveRunOptions(input.options);
  const spec: RunSpec = {
    promptText: prompt.promptText,
    jsonSchema: prompt.jsonSchema as Record<string, unknown>,
    videoLevel: (prompt.videoLevel as RunSpec["videoLevel"]) ?? null,
    segmentDuration: opts.segmentDuration,
    segmentationType: opts.segmentationType,
    enableTranscription: opts.enableTranscription,
    model: opts.model,
    concurrency: env().GANTRY_PROMPT_RUN_CONCURRENCY,
  };
  const id = newId("run");
  const now = new Date();
  const videoCount = input.videoIds
    ? input.videoIds.length
    : await (tx ?? db).video.count({ where: { indexId: input.indexId, workspaceId: input.workspaceId, status: "ready", createdAt: { lte: now } } });
  const work = async (t: Tx) => {
    await t.promptRun.create({
      data: {
        id, workspaceId: input.workspaceId, promptId: prompt.id, indexId: input.indexId, processingModel: opts.processingModel,
        engine: opts.engine, segmentationType: opts.segmentationType, segmentDuration: opts.segmentDuration,
        enableTranscription: opts.enableTranscription, promptSnapshot: spec as object, targetType: input.videoIds ? "videos" : "index",
        videoCount, dispatchDone: input.videoIds !== null, automationId: input.automationId ?? null, importJobId: input.importJobId ?? null,
        createdAt: now,
      },
    });
    if (input.videoIds) await insertRunVideos(t, id, input.videoIds);
    await enqueue(dispatchPromptRun, { runId: id }, { db: t });
  };
  if (tx) await work(tx);
  else {
    await getBoss();
    await db.$transaction(work);
  }
  return id;
}

export async function executePromptRun(workspaceId: string, body: z.infer<typeof ExecuteBody>) {
  await getIndex(workspaceId, body.target.index_id);
  let videoIds: string[] | null = null;
  if (body.target.type === "videos") {
    videoIds = [...new Set(body.target.video_ids!)];
    const found = await db.video.findMany({ where: { id: { in: videoIds }, indexId: body.target.index_id, workspaceId }, select: { id: true } });
    const have = new Set(found.map((v) => v.id));
    const missing = videoIds.filter((v) => !have.has(v));
    if (missing.length) {
      throw ApiError.validation([{ field: "target.video_ids", message: `not videos of index ${body.target.index_id}: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}` }]);
    }
  }
  const { prompt_id, target: _target, ...options } = body;
  const id = await startPromptRun({ workspaceId, promptId: prompt_id, indexId: body.target.index_id, videoIds, options });
  return getPromptRun(workspaceId, id);
}

export async function getPromptRun(workspaceId: string, runId: string) {
  const run = await db.promptRun.findFirst({ where: { id: runId, workspaceId } });
  if (!run) throw ApiError.notFound("prompt_run_not_found", "prompt run", runId);
  return run;
}

export async function listIndexPromptRuns(workspaceId: string, indexId: string, limit: number, cursor?: string) {
  await getIndex(workspaceId, indexId);
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.promptRun.findMany({ where: { workspaceId, indexId, ...(beforeId ? { id: { lt: beforeId } } : {}) }, orderBy: { id: "desc" }, take }),
  );
}

/** Stops a pending or processing run: finished videos keep their results, pending ones are cancelled. */
export async function cancelPromptRun(workspaceId: string, runId: string) {
  const run = await getPromptRun(workspaceId, runId);
  if (!(ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status)) {
    throw new ApiError("invalid_state_transition", `Prompt run ${runId} is ${run.status}; only a pending or processing run can be cancelled.`);
  }
  const won = await finishRun(run.id, "cancelled");
  if (!won) {
    const now = await getPromptRun(workspaceId, runId);
    throw new ApiError("invalid_state_transition", `Prompt run ${runId} is ${now.status}; only a pending or processing run can be cancelled.`);
  }
  return getPromptRun(workspaceId, runId);
}

/** Per-video results with their segments, in the order the videos were handed out (oldest first). */
export async function listRunResults(workspaceId: string, runId: string, q: z.infer<typeof ResultsQuery>) {
  await getPromptRun(workspaceId, runId);
  const after = decodeCursor(q.cursor);
  const rows = await db.promptRunVideo.findMany({
    where: { runId, ...(q.status ? { status: q.status } : {}), ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: "asc" },
    take: q.limit + 1,
    include: { segments: { orderBy: { ordinal: "asc" } } },
  });
  const hasMore = rows.length > q.limit;
  const items = hasMore ? rows.slice(0, q.limit) : rows;
  return { items, nextCursor: hasMore ? encodeCursor(items[items.length - 1].id) : null };
}
