import { z } from "zod";

export const EXPORT_FORMATS = ["json", "jsonl", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_STATUSES = ["pending", "processing", "completed", "failed"] as const;
export const QUEUE_STATUSES = ["queued", "leased", "running", "failed", "succeeded", "dead_letter"] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

const connectorId = z.string().min(1).max(64);
const subpath = z.string().max(1024);

export const CreateIndexExportBody = z
  .object({
    prompt_run_ids: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
    destination_connector_id: connectorId.nullable().optional(),
    destination_subpath: subpath.nullable().optional(),
    format: z.enum(EXPORT_FORMATS).default("json"),
  })
  .strict();

export const CreateRunExportBody = CreateIndexExportBody.omit({ prompt_run_ids: true }).strict();

export const CreateExportResponse = z.object({ export_id: z.string(), status: z.enum(EXPORT_STATUSES) });

export const ExportParams = z
  .object({
    prompt_run_ids: z.array(z.string()).nullable(),
    destination_connector_id: z.string().nullable(),
    destination_base_path: z.string().nullable(),
    destination_subpath: z.string().nullable(),
  })
  .strict();

export const ExportObject = z.object({
  export_id: z.string(),
  export_type: z.enum(["index", "prompt_run"]),
  target_id: z.string(),
  status: z.enum(EXPORT_STATUSES),
  queue_status: z.enum(QUEUE_STATUSES).nullable(),
  attempts: z.number().int().min(0),
  max_attempts: z.number().int().min(1),
  available_at: z.string().nullable(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  updated_at: z.string(),
  created_at: z.string(),
  destination_type: z.enum(["download", "connector"]),
  destination_connector_id: z.string().nullable(),
  destination_base_path: z.string().nullable(),
  destination_subpath: z.string().nullable(),
  destination_uri: z.string().nullable(),
  gcs_uri: z.string().nullable(),
  download_url: z.string().nullable(),
  file_size_bytes: z.number().nullable(),
  error_message: z.string().nullable(),
  last_error: z.string().nullable(),
  export_params: ExportParams.nullable(),
  format: z.enum(EXPORT_FORMATS),
  /** (+) the runs the artifact covers (null: every finished run of the index); mirrors export_params. */
  prompt_run_ids: z.array(z.string()).nullable(),
  /** (+) */
  index_id: z.string(),
  /** (+) */
  automation_id: z.string().nullable(),
});

export const DownloadUrlResponse = z
  .object({
    export_id: z.string(),
    status: z.enum(EXPORT_STATUSES),
    destination_type: z.enum(["download", "connector"]),
    destination_connector_id: z.string().nullable(),
    download_url: z.string().nullable(),
  })
  .strict();

export const DownloadQuery = z.object({ token: z.string().max(4096).optional() }).strict();

// Export automations (one per index)
export const PutExportAutomationBody = z
  .object({
    enabled: z.boolean().default(true),
    paused: z.boolean().default(false),
    destination_connector_id: connectorId,
    destination_subpath: subpath.nullable().optional(),
    format: z.enum(EXPORT_FORMATS).default("json"),
  })
  .strict();

export const ExportAutomationObject = z.object({
  automation_id: z.string(),
  index_id: z.string(),
  type: z.literal("export"),
  enabled: z.boolean(),
  paused: z.boolean(),
  paused_reason: z.string().nullable(),
  destination_connector_id: z.string(),
  destination_subpath: z.string().nullable(),
  format: z.enum(EXPORT_FORMATS),
  last_triggered_at: z.string().nullable(),
  next_run_at: z.string().nullable(),
  last_export_id: z.string().nullable(),
  consecutive_failures: z.number().int(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const FORMAT_INFO: Record<ExportFormat, { ext: string; contentType: string }> = {
  json: { ext: "json", contentType: "application/json" },
  jsonl: { ext: "jsonl", contentType: "application/x-ndjson" },
  csv: { ext: "csv", contentType: "text/csv; charset=utf-8" },
};
