import Link from "next/link";
import { requireSession } from "@/lib/auth/authed-action";
import { toWebhookDto } from "@/lib/webhooks/dto";
import { listWebhooks } from "@/lib/webhooks/webhooks";
import { NewWebhookForm } from "./forms";
import { formOptions, when, WebhookStatusBadge } from "./ui";

export const dynamic = "force-dynamic";

export default async function WebhooksPage() {
  const p = await requireSession();
  const hooks = (await listWebhooks(p.workspaceId, 200)).items.map(toWebhookDto);
  const options = await formOptions(p.workspaceId);
  return (
    <>
      <h1>Webhooks</h1>
      <div className="panel">
        {hooks.length === 0 ? (
          <p className="empty">No webhooks yet. A webhook receives a signed POST whenever something it subscribes to happens: media imported, jobs and runs finished, exports ready.</p>
        ) : (
          <table className="list">
            <thead><tr><th>Name</th><th>URL</th><th>Events</th><th>Indexes</th><th>Status</th><th>Failures</th><th>Last success</th></tr></thead>
            <tbody>
              {hooks.map((h) => (
                <tr key={h.webhook_id} data-testid="webhook-row">
                  <td><Link href={`/webhooks/${h.webhook_id}`}>{h.name}</Link></td>
                  <td className="mono" style={{ wordBreak: "break-all" }}>{h.url}</td>
                  <td>{h.events.length === 1 ? <code>{h.events[0]}</code> : `${h.events.length} events`}</td>
                  <td>{h.index_ids ? `${h.index_ids.length} selected` : "all"}</td>
                  <td><WebhookStatusBadge status={h.status} /></td>
                  <td>{h.failure_count}</td>
                  <td>{when(h.last_success_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <NewWebhookForm events={options.events} indexes={options.indexes} />
    </>
  );
}
