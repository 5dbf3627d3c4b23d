import { listIndexes } from "@/lib/indexes/indexes";
import { eventCatalog } from "@/lib/webhooks/event-catalog";

export function WebhookStatusBadge({ status }: { status: string }) {
  const cls = status === "active" ? "ok" : status === "disabled" ? "bad" : "warn";
  return <span className={`badge ${cls}`} data-testid="webhook-status">{status}</span>;
}

export function DeliveryStatusBadge({ status }: { status: string }) {
  const cls = status === "succeeded" ? "ok" : status === "failed" ? "bad" : "warn";
  return <span className={`badge ${cls}`}>{status}</span>;
}

export function when(s: string | null) {
  return s ? s.replace("T", " ").replace("Z", " UTC") : "—";
}

/** What the subscription forms choose from: every event type and the workspace's indexes. */
export async function formOptions(workspaceId: string) {
  const indexes = (await listIndexes(workspaceId, 200)).items.map((i) => ({ index_id: i.id, name: i.name }));
  return { events: eventCatalog().events, indexes };
}
