import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/authed-action";
import { ApiError } from "@/lib/api/errors";
import { listDeliveries } from "@/lib/webhooks/deliveries";
import { toDeliveryDto, toWebhookDto } from "@/lib/webhooks/dto";
import { getWebhook } from "@/lib/webhooks/webhooks";
import { EditWebhookForm } from "../forms";
import { DeliveryStatusBadge, formOptions, when, WebhookStatusBadge } from "../ui";
import { DeletePanel, RetryButton, RotatePanel, StatusButton, TestPanel } from "./client";

export const dynamic = "force-dynamic";

export default async function WebhookPage({ params, searchParams }: { params: Promise<{ webhook_id: string }>; searchParams: Promise<{ status?: string }> }) {
  const p = await requireSession();
  const { webhook_id } = await params;
  const { status } = await searchParams;
  let h;
  try {
    h = toWebhookDto(await getWebhook(p.workspaceId, webhook_id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  const filter = status === "pending" || status === "succeeded" || status === "failed" ? status : undefined;
  const deliveries = (await listDeliveries(p.workspaceId, h.webhook_id, { limit: 50, status: filter })).items.map(toDeliveryDto);
  const options = await formOptions(p.workspaceId);
  const indexName = new Map(options.indexes.map((i) => [i.index_id, i.name]));
  return (
    <>
      <p><Link href="/webhooks">← Webhooks</Link></p>
      <div className="row" style={{ justifyContent: "space-between", alignItems: "center", marginBottom: 16 }}>
        <h1 style={{ margin: 0 }}>{h.name} <WebhookStatusBadge status={h.status} /></h1>
        <StatusButton webhookId={h.webhook_id} status={h.status} />
      </div>
      {h.status === "disabled" && (
        <p className="notice">Disabled after {h.failure_count} consecutive failed attempts. Fix the receiver, send a test, then resume.</p>
      )}
      <div className="panel">
        <table className="list">
          <tbody>
            <tr><th>URL</th><td className="mono" colSpan={3} style={{ wordBreak: "break-all" }}>{h.url}</td></tr>
            <tr><th>Events</th><td colSpan={3}>{h.events.map((e) => <code key={e} style={{ marginRight: 10 }}>{e}</code>)}</td></tr>
            <tr><th>Indexes</th><td colSpan={3}>{h.index_ids ? h.index_ids.map((i) => indexName.get(i) ?? i).join(", ") : "all"}</td></tr>
            <tr><th>Last success</th><td>{when(h.last_success_at)}</td><th>Last failure</th><td>{when(h.last_failure_at)}</td></tr>
            <tr><th>Consecutive failures</th><td>{h.failure_count}</td><th>Id</th><td className="mono">{h.webhook_id}</td></tr>
          </tbody>
        </table>
      </div>
      <TestPanel webhookId={h.webhook_id} />
      <div className="panel" data-testid="deliveries">
        <div className="row" style={{ justifyContent: "space-between", alignItems: "center", marginBottom: 8 }}>
          <h2 style={{ margin: 0 }}>Deliveries</h2>
          <div className="actions">
            {["all", "pending", "succeeded", "failed"].map((s) => (
              <Link key={s} href={s === "all" ? `/webhooks/${h.webhook_id}` : `/webhooks/${h.webhook_id}?status=${s}`}
                className={(filter ?? "all") === s ? "badge ok" : "badge"}>{s}</Link>
            ))}
            <Link href={`/webhooks/${h.webhook_id}${filter ? `?status=${filter}` : ""}`} className="button secondary">Refresh</Link>
          </div>
        </div>
        {deliveries.length === 0 ? (
          <p className="empty">No deliveries{filter ? ` ${filter}` : " yet"}. Send a test, or wait for a subscribed event.</p>
        ) : (
          <table className="list">
            <thead><tr><th>Status</th><th>Event</th><th>Attempts</th><th>Response</th><th>Created</th><th>Next attempt</th><th>Error</th><th></th></tr></thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.delivery_id} data-testid="delivery-row">
                  <td><DeliveryStatusBadge status={d.status} /></td>
                  <td><code>{d.event_type}</code><div className="muted mono" style={{ fontSize: 11 }}>{d.delivery_id}</div></td>
                  <td>{d.attempts}</td>
                  <td>{d.response_status_code ?? "—"}{d.duration_ms !== null && <span className="muted"> · {d.duration_ms} ms</span>}</td>
                  <td>{when(d.created_at)}</td>
                  <td>{when(d.next_attempt_at)}</td>
                  <td className="muted" style={{ maxWidth: 220, wordBreak: "break-word" }}>{d.error ?? ""}</td>
                  <td><RetryButton deliveryId={d.delivery_id} label={d.status === "pending" ? "Send now" : "Retry"} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <EditWebhookForm webhookId={h.webhook_id} events={options.events} indexes={options.indexes}
        initial={{ name: h.name, url: h.url, events: h.events, index_ids: h.index_ids }} />
      <RotatePanel webhookId={h.webhook_id} />
      <DeletePanel webhookId={h.webhook_id} />
    </>
  );
}
