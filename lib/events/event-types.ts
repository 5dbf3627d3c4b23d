// The event types Gantry records (lib/events/record-event.ts) and webhooks subscribe to (contract §7).
export const EVENT_TYPES = [
  "media.created", "media.processing.started", "media.processing.completed", "media.processing.failed",
  "import_job.started", "import_job.progress", "import_job.completed", "import_job.failed", "import_job.partial_completed",
  "prompt_run.started", "prompt_run.progress", "prompt_run.completed", "prompt_run.failed", "prompt_run.cancelled",
  "prompt_run.partial_completed", "export.ready", "export.failed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
