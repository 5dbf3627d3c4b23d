import type { z } from "zod";
import { iso } from "@/lib/api/serialize";
import type { PromptRun, PromptRunSegment, PromptRunVideo } from "@/lib/generated/prisma/client";
import type { PromptRunObject, RunResultObject } from "./schemas";

type RunDto = z.infer<typeof PromptRunObject>;
type ResultDto = z.infer<typeof RunResultObject>;

export function toPromptRunDto(r: PromptRun): RunDto {
  return {
    run_id: r.id,
    prompt_id: r.promptId,
    index_id: r.indexId,
    status: r.status as RunDto["status"],
    processing_model: r.processingModel,
    video_count: r.videoCount,
    completed_videos: r.completedVideos,
    failed_videos: r.failedVideos,
    created_at: iso(r.createdAt),
    started_at: iso(r.startedAt),
    completed_at: iso(r.completedAt),
    engine: r.engine as RunDto["engine"],
    video_segmentation_type: r.segmentationType as RunDto["video_segmentation_type"],
    video_segment_duration: r.segmentDuration,
    enable_transcription: r.enableTranscription,
    target_type: r.targetType as RunDto["target_type"],
    automation_id: r.automationId,
    import_job_id: r.importJobId,
    error_message: r.errorMessage,
  };
}

export function toRunResultDto(v: PromptRunVideo & { segments: PromptRunSegment[] }): ResultDto {
  return {
    result_id: v.id,
    run_id: v.runId,
    video_id: v.videoId,
    status: v.status as ResultDto["status"],
    engine: v.engine,
    video_result: (v.videoResult as Record<string, unknown> | null) ?? null,
    error: v.error,
    attempts: v.attempts,
    started_at: iso(v.startedAt),
    completed_at: iso(v.completedAt),
    segments: v.segments.map((s) => ({
      segment_id: s.id,
      segment_index: s.ordinal,
      start_time: s.startSeconds,
      end_time: s.endSeconds,
      status: s.status as "completed" | "failed",
      data: (s.data as Record<string, unknown> | null) ?? null,
      error: s.error,
    })),
  };
}
