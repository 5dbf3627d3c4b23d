import Link from "next/link";
import { requireSession } from "@/lib/auth/authed-action";
import { listConnectors } from "@/lib/connectors/connectors";
import { toConnectorDto } from "@/lib/connectors/dto";
import { StatusBadge, location } from "./ui";

export const dynamic = "force-dynamic";

export default async function ConnectorsPage() {
  const p = await requireSession();
  const page = await listConnectors(p.workspaceId, 200);
  const connectors = page.items.map(toConnectorDto);
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between", alignItems: "center", marginBottom: 16 }}>
        <h1 style={{ margin: 0 }}>Connectors</h1>
        <div className="actions">
          <Link className="button" href="/connectors/new?provider=s3">New S3 connector</Link>
          <Link className="button secondary" href="/connectors/new?provider=gcs">New GCS connector</Link>
          <Link className="button secondary" href="/connectors/new?provider=azure">New Azure connector</Link>
        </div>
      </div>
      <div className="panel">
        {connectors.length === 0 ? (
          <p className="empty">No connectors yet. A connector holds the credentials Gantry uses to read from and write to one of your buckets.</p>
        ) : (
          <table className="list">
            <thead><tr><th>Name</th><th>Provider</th><th>Location</th><th>Scopes</th><th>Status</th><th>Last test</th></tr></thead>
            <tbody>
              {connectors.map((c) => (
                <tr key={c.connector_id} data-testid="connector-row">
                  <td><Link href={`/connectors/${c.connector_id}`}>{c.name}</Link></td>
                  <td>{c.provider.toUpperCase()}</td>
                  <td className="mono">{location(c)}</td>
                  <td>{c.scopes.join(", ")}</td>
                  <td><StatusBadge status={c.status} /></td>
                  <td>{c.last_tested_at ? `${c.last_test_result} · ${c.last_tested_at.slice(0, 16).replace("T", " ")}` : "never"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
