import { z } from "zod";

import { IMPORT_STATUSES } from "./statuses";

export { ACTIVE_IMPORT_STATUSES, ACTIVE_IMPORT_STATUSES_SQL, IMPORT_STATUSES, TERMINAL_IMPORT_STATUSES } from "./statuses";
export const SKIP_REASONS = ["already_imported", "unsupported_media_type", "empty_file", "too_large"] as const;
export const ITEM_STATUSES = ["pending", "importing", "imported", "failed", "skipped"] as const;

export const CreateImportJobBody = z
  .object({
    connector_id: z.string().min(1).max(64),
    index_id: z.string().min(1).max(64),
    source_prefix: z.string().max(1024).default(""),
    file_pattern: z.string().min(1).max(1024).default("*"),
    recursive: z.boolean().default(true),
    import_mode_override: z.enum(["all", "new_only"]).optional(),
  })
  .strict();

export const ListImportJobsQuery = z.object({
  status: z.enum(IMPORT_STATUSES).optional(),
  index_id: z.string().max(64).optional(),
  automation_only: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

export const ListItemsQuery = z.object({
  status: z.enum(ITEM_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});

export const ImportJobObject = z.object({
  job_id: z.string(),
  connector_id: z.string(),
  target_index_id: z.string(),
  source_prefix: z.string(),
  file_pattern: z.string(),
  recursive: z.boolean(),
  status: z.enum(IMPORT_STATUSES),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  error_message: z.string().nullable(),
  progress: z.object({
    total_files: z.number(), imported: z.number(), failed: z.number(), skipped: z.number(),
    bytes_transferred: z.number(), current_file: z.string().nullable(), total_bytes: z.number(),
  }),
  video_ids: z.array(z.string()),
  failed_files: z.array(z.object({ path: z.string(), error: z.string() })),
  skipped_files: z.array(z.object({ path: z.string(), reason: z.enum(SKIP_REASONS) })),
  import_mode: z.enum(["all", "new_only"]),
  automation_id: z.string().nullable(),
  prompt_run_id: z.string().nullable(),
});

export const ImportItemObject = z.object({
  item_id: z.string(),
  path: z.string(),
  version: z.string(),
  size_bytes: z.number(),
  status: z.enum(ITEM_STATUSES),
  reason: z.string().nullable(),
  video_id: z.string().nullable(),
  attempts: z.number(),
  updated_at: z.string(),
});
