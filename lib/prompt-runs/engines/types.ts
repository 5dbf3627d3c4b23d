import type { Video } from "@/lib/generated/prisma/client";

/** What a run asks of an engine, frozen when the run started. */
export type RunSpec = {
  promptText: string;
  jsonSchema: Record<string, unknown>;
  videoLevel: { instructions_text: string; included_segment_fields?: string[]; json_schema?: Record<string, unknown> } | null;
  segmentDuration: number;
  segmentationType: string;
  enableTranscription: boolean;
  /** The model name the OpenAI-compatible engine sends. */
  model: string | null;
  /** Videos processed at once (GANTRY_PROMPT_RUN_CONCURRENCY where the run was started). */
  concurrency?: number;
};

export type SegmentOutcome = {
  start: number;
  end: number;
  status: "completed" | "failed";
  data: Record<string, unknown> | null;
  error: string | null;
};

export type VideoOutcome = {
  /** The video-level result (always an object naming the engine), or null when the video-level step failed. */
  videoResult: Record<string, unknown> | null;
  segments: SegmentOutcome[];
  /** Set when the video as a whole failed (every segment failed, or the video-level step failed). */
  error: string | null;
};

export interface ExtractionEngine {
  readonly name: "probe" | "openai";
  processVideo(video: Video, spec: RunSpec, signal: AbortSignal): Promise<VideoOutcome>;
}

/** An engine error worth retrying later (rate limit, 5xx, network); anything else fails the video. */
export class TransientEngineError extends Error {
  override readonly name = "TransientEngineError";
}
