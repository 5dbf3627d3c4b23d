import { requireSession } from "@/lib/auth/authed-action";
import { listApiKeys, toApiKeyDto } from "@/lib/api-keys/api-keys";
import { ConfirmButton } from "@/components/confirm-button";
import { deleteApiKeyAction, revokeApiKeyAction } from "./actions";
import { NewKeyForm } from "./new-key-form";
import { RotateForm } from "./rotate-form";

export const dynamic = "force-dynamic";

function when(s: string | null) {
  return s ? s.replace("T", " ").replace("Z", " UTC") : "—";
}

export default async function ApiKeysPage() {
  const p = await requireSession();
  const page = await listApiKeys(p.workspaceId, 200);
  const keys = page.items.map((k) => toApiKeyDto(k));
  return (
    <>
      <h1>API keys</h1>
      <NewKeyForm />
      <div className="panel">
        <h2>Keys</h2>
        {keys.length === 0 ? (
          <p className="empty">No API keys yet.</p>
        ) : (
          <table className="list">
            <thead>
              <tr><th>Name</th><th>Prefix</th><th>Scopes</th><th>Status</th><th>Last used</th><th>Expires</th><th></th></tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.key_id} data-testid="api-key-row">
                  <td>{k.name}</td>
                  <td className="mono">{k.key_prefix}…</td>
                  <td>{k.scopes.join(", ")}</td>
                  <td><span className={`badge ${k.status === "active" ? "ok" : "bad"}`}>{k.status}</span></td>
                  <td>{when(k.last_used_at)}</td>
                  <td>{when(k.expires_at)}</td>
                  <td>
                    <div className="actions">
                      {k.status === "active" && <RotateForm keyId={k.key_id} />}
                      {k.status === "active" && (
                        <form action={revokeApiKeyAction}>
                          <input type="hidden" name="key_id" value={k.key_id} />
                          <ConfirmButton label="Revoke" confirmLabel="Confirm revoke" />
                        </form>
                      )}
                      {k.status !== "active" && (
                        <form action={deleteApiKeyAction}>
                          <input type="hidden" name="key_id" value={k.key_id} />
                          <ConfirmButton label="Delete" confirmLabel="Confirm delete" />
                        </form>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
