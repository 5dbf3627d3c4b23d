import { z } from "zod";
import { RunOptions } from "@/lib/prompt-runs/schemas";

export const DEBOUNCE_INTERVALS = { "5m": 5 * 60, "10m": 10 * 60, "1h": 3600, "1d": 86_400 } as const;
export type DebounceInterval = keyof typeof DEBOUNCE_INTERVALS;

export const PromptPreset = z.object({ prompt_id: z.string().min(1).max(64), ...RunOptions }).strict();

export const ImportAutomationBody = z
  .object({
    enabled: z.boolean().default(true),
    paused: z.boolean().default(false),
    connector_id: z.string().min(1).max(64),
    source_prefix: z.string().max(1024).default(""),
    file_pattern: z.string().min(1).max(1024).default("*"),
    recursive: z.boolean().default(true),
    debounce_interval: z.enum(Object.keys(DEBOUNCE_INTERVALS) as [DebounceInterval, ...DebounceInterval[]]),
    prompt_preset: PromptPreset.nullish(),
    backfill: z.boolean().default(false),
  })
  .strict();

export const ImportAutomationObject = z.object({
  automation_id: z.string(),
  index_id: z.string(),
  type: z.literal("import"),
  enabled: z.boolean(),
  paused: z.boolean(),
  paused_reason: z.string().nullable(),
  connector_id: z.string(),
  source_prefix: z.string(),
  file_pattern: z.string(),
  recursive: z.boolean(),
  debounce_interval: z.enum(Object.keys(DEBOUNCE_INTERVALS) as [DebounceInterval, ...DebounceInterval[]]),
  prompt_preset: PromptPreset.nullable(),
  backfill: z.boolean(),
  last_triggered_at: z.string().nullable(),
  next_run_at: z.string().nullable(),
  last_import_job_id: z.string().nullable(),
  consecutive_failures: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
  // (+) the last scan's error, if it failed
  last_error: z.string().nullable(),
});
