import { z } from "zod";

export const CreateIndexBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(2000).nullable().optional(),
  })
  .strict();
export const UpdateIndexBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(2000).nullable().optional(),
  })
  .strict();

export const IndexObject = z.object({
  index_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  video_count: z.number(),
});
