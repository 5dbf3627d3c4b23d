import { db, type Tx } from "@/lib/db";
import { newId } from "@/lib/ids";

// Every internal event is recorded here, in one table: webhooks (later) fan out from it.
export const EVENT_TYPES = [
  "media.created", "media.processing.started", "media.processing.completed", "media.processing.failed",
  "import_job.started", "import_job.progress", "import_job.completed", "import_job.failed", "import_job.partial_completed",
  "prompt_run.started", "prompt_run.progress", "prompt_run.completed", "prompt_run.failed", "prompt_run.cancelled",
  "prompt_run.partial_completed", "export.ready", "export.failed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export async function recordEvent(
  e: { workspaceId: string; type: EventType; indexId?: string | null; data: Record<string, unknown> },
  client: Tx | typeof db = db,
): Promise<string> {
  const id = newId("evt");
  await client.event.create({ data: { id, workspaceId: e.workspaceId, type: e.type, indexId: e.indexId ?? null, data: e.data as object } });
  return id;
}
