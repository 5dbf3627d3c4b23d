import { z } from "zod";

const JsonObject = z.record(z.string(), z.unknown());

export const VideoLevelSpec = z
  .object({
    instructions_text: z.string().min(1).max(20_000),
    included_segment_fields: z.array(z.string().min(1).max(200)).max(100).optional(),
    json_schema: JsonObject.optional(),
  })
  .strict();

export const PromptBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullish(),
    prompt_text: z.string().min(1).max(50_000),
    json_schema: JsonObject,
    video_level: VideoLevelSpec.nullish(),
    is_active: z.boolean().default(true),
  })
  .strict();

export const PromptObject = z.object({
  prompt_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  prompt_text: z.string(),
  json_schema: JsonObject,
  video_level: z
    .object({ instructions_text: z.string(), included_segment_fields: z.array(z.string()).optional(), json_schema: JsonObject.optional() })
    .nullable(),
  is_active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
