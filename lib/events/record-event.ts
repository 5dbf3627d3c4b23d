import { db, type Tx } from "@/lib/db";
import { newId } from "@/lib/ids";
import { enqueue, getBoss } from "@/lib/jobs/queue";
import { fanOutEvent, hasSubscribers } from "@/lib/webhooks/fan-out";
import type { EventType } from "./event-types";

export { EVENT_TYPES, type EventType } from "./event-types";

/**
 * Every internal event is recorded here, in one table, and webhooks fan out from it: when an active
 * webhook of the workspace subscribes to the type, the fan-out job is enqueued in the same transaction
 * as the event row (the caller's `tx` when given, else one of its own), so callers get webhooks for
 * free and a crash can lose neither half. With a `tx`, the job queue must have been started in this
 * process or another (getBoss() at start-up, as every worker and the server do).
 */
export async function recordEvent(
  e: { workspaceId: string; type: EventType; indexId?: string | null; data: Record<string, unknown> },
  client: Tx | typeof db = db,
): Promise<string> {
  const id = newId("evt");
  const row = { id, workspaceId: e.workspaceId, type: e.type, indexId: e.indexId ?? null, data: e.data as object };
  if (!(await hasSubscribers(client, e.workspaceId, e.type))) {
    await client.event.create({ data: row });
    return id;
  }
  if (client !== db) {
    await client.event.create({ data: row });
    await enqueue(fanOutEvent, { eventId: id }, { db: client });
    return id;
  }
  await getBoss(); // before the transaction: starting the queue opens connections of its own
  await db.$transaction(async (tx) => {
    await tx.event.create({ data: row });
    await enqueue(fanOutEvent, { eventId: id }, { db: tx });
  });
  return id;
}
