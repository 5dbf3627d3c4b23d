import { EVENT_TYPES, type EventType } from "@/lib/events/event-types";

const DESCRIPTIONS: Record<EventType, string> = {
  "media.created": "A media file was imported into an index.",
  "media.processing.started": "Processing of a media file started.",
  "media.processing.completed": "Processing of a media file completed.",
  "media.processing.failed": "Processing of a media file failed.",
  "import_job.started": "An import job started scanning its location.",
  "import_job.progress": "An import job made progress (at most every 10 seconds).",
  "import_job.completed": "An import job finished and every file was imported or skipped.",
  "import_job.failed": "An import job failed.",
  "import_job.partial_completed": "An import job finished with some files failed.",
  "prompt_run.started": "A prompt run started.",
  "prompt_run.progress": "A prompt run made progress.",
  "prompt_run.completed": "A prompt run completed.",
  "prompt_run.failed": "A prompt run failed.",
  "prompt_run.cancelled": "A prompt run was cancelled.",
  "prompt_run.partial_completed": "A prompt run completed with some videos failed.",
  "export.ready": "An export is ready.",
  "export.failed": "An export failed.",
};

/** GET /webhooks/events: every type a webhook can subscribe to. */
export function eventCatalog() {
  return { events: EVENT_TYPES.map((type) => ({ type, description: DESCRIPTIONS[type] })) };
}
