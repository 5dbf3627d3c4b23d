import { z } from "zod";

export const RUN_STATUSES = ["pending", "processing", "completed", "completed_with_failures", "failed", "cancelled"] as const;
export const TERMINAL_RUN_STATUSES = ["completed", "completed_with_failures", "failed", "cancelled"] as const;
export const ACTIVE_RUN_STATUSES = ["pending", "processing"] as const;
export const SEGMENTATION_TYPES = ["smart", "fixed", "content_aware"] as const;
/** Most videos one `target.type: "videos"` run may name. */
export const MAX_TARGET_VIDEOS = 1000;

/** The run options shared by execute and an import automation's prompt_preset. */
export const RunOptions = {
  processing_model: z.string().min(1).max(200).optional(),
  video_segmentation_type: z.enum(SEGMENTATION_TYPES).optional(),
  video_segment_duration: z.number().positive().min(1).max(3600).optional(),
  enable_transcription: z.boolean().optional(),
};

export const ExecuteBody = z
  .object({
    prompt_id: z.string().min(1).max(64),
    target: z
      .object({
        type: z.enum(["index", "videos"]),
        index_id: z.string().min(1).max(64),
        video_ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_TARGET_VIDEOS).optional(),
      })
      .strict()
      .superRefine((t, ctx) => {
        if (t.type === "videos" && !t.video_ids) ctx.addIssue({ code: "custom", path: ["video_ids"], message: 'required when type is "videos"' });
        if (t.type === "index" && t.video_ids) ctx.addIssue({ code: "custom", path: ["video_ids"], message: 'only allowed when type is "videos"' });
      }),
    ...RunOptions,
  })
  .strict();

export const PromptRunObject = z.object({
  run_id: z.string(),
  prompt_id: z.string(),
  index_id: z.string(),
  status: z.enum(RUN_STATUSES),
  processing_model: z.string(),
  video_count: z.number(),
  completed_videos: z.number(),
  failed_videos: z.number(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  // (+) additions
  engine: z.enum(["probe", "openai"]),
  video_segmentation_type: z.enum(SEGMENTATION_TYPES),
  video_segment_duration: z.number(),
  enable_transcription: z.boolean(),
  target_type: z.enum(["index", "videos"]),
  automation_id: z.string().nullable(),
  import_job_id: z.string().nullable(),
  error_message: z.string().nullable(),
});

export const SegmentObject = z.object({
  segment_id: z.string(),
  segment_index: z.number(),
  start_time: z.number(),
  end_time: z.number(),
  status: z.enum(["completed", "failed"]),
  data: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
});

export const RunResultObject = z.object({
  result_id: z.string(),
  run_id: z.string(),
  video_id: z.string(),
  status: z.enum(["pending", "processing", "completed", "failed", "cancelled"]),
  engine: z.string().nullable(),
  video_result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  attempts: z.number(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  segments: z.array(SegmentObject),
});

export const ResultsQuery = z.object({
  status: z.enum(["pending", "processing", "completed", "failed", "cancelled"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});
