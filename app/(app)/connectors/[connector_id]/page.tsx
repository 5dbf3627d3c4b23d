import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/authed-action";
import { ApiError } from "@/lib/api/errors";
import { getConnector } from "@/lib/connectors/connectors";
import { toConnectorDto } from "@/lib/connectors/dto";
import { StatusBadge, location } from "../ui";
import { DeletePanel, EditPanel, FileBrowser, TestPanel } from "./client";

export const dynamic = "force-dynamic";

export default async function ConnectorPage({ params }: { params: Promise<{ connector_id: string }> }) {
  const p = await requireSession();
  const { connector_id } = await params;
  let c;
  try {
    c = toConnectorDto(await getConnector(p.workspaceId, connector_id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  return (
    <>
      <p><Link href="/connectors">← Connectors</Link></p>
      <h1>{c.name} <StatusBadge status={c.status} /></h1>
      <div className="panel">
        <table className="list">
          <tbody>
            <tr><th>Provider</th><td>{c.provider.toUpperCase()}</td><th>Location</th><td className="mono">{location(c)}</td></tr>
            <tr><th>Auth</th><td>{c.auth_method}</td><th>Credential</th><td className="mono">{c.credential_hint}</td></tr>
            <tr><th>Endpoint</th><td className="mono">{c.endpoint ?? "default"}</td><th>Region / project</th><td>{c.region ?? c.gcp_project_id ?? "—"}</td></tr>
            <tr><th>Last test</th><td>{c.last_test_result ?? "never"}</td><th>Error</th><td className="muted">{c.last_test_error ?? "—"}</td></tr>
          </tbody>
        </table>
      </div>
      <TestPanel connectorId={c.connector_id} />
      <FileBrowser connectorId={c.connector_id} disabled={c.status === "disabled"} />
      <EditPanel connectorId={c.connector_id} name={c.name} scopes={c.scopes} importMode={c.import_mode} exportBasePath={c.export_base_path} status={c.status} />
      <DeletePanel connectorId={c.connector_id} />
    </>
  );
}
