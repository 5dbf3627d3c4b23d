import { requireSession } from "@/lib/auth/authed-action";
import { db } from "@/lib/db";
import { listExports } from "@/lib/exports/create-export";
import { toExportDto } from "@/lib/exports/dto";
import { formatBytes } from "../connectors/ui";
import { CreateExportForm } from "./create-export-form";
import { RefreshWhileActive } from "./refresh-while-active";
import { ExportStatusBadge } from "./ui";

export const dynamic = "force-dynamic";

export default async function ExportsPage() {
  const p = await requireSession();
  const [page, indexes, runs, connectors] = await Promise.all([
    listExports(p.workspaceId, 50),
    db.index.findMany({ where: { workspaceId: p.workspaceId }, select: { id: true, name: true }, orderBy: { id: "desc" }, take: 200 }),
    db.promptRun.findMany({ where: { workspaceId: p.workspaceId }, select: { id: true, indexId: true, status: true, createdAt: true }, orderBy: { id: "desc" }, take: 500 }),
    db.connector.findMany({ where: { workspaceId: p.workspaceId, scopes: { has: "export" }, status: { not: "disabled" } }, select: { id: true, name: true, exportBasePath: true }, orderBy: { id: "desc" } }),
  ]);
  const exports = page.items.map(toExportDto);
  const names = new Map(connectors.map((c) => [c.id, c.name]));
  return (
    <>
      <h1>Exports</h1>
      <RefreshWhileActive active={exports.some((e) => e.status === "pending" || e.status === "processing")} />
      <CreateExportForm
        indexes={indexes}
        runs={runs.map((r) => ({ id: r.id, indexId: r.indexId, status: r.status, createdAt: r.createdAt.toISOString().slice(0, 16).replace("T", " ") }))}
        connectors={connectors.map((c) => ({ id: c.id, name: c.name, basePath: c.exportBasePath ?? "" }))}
      />
      <div className="panel">
        <h2>Recent exports</h2>
        {exports.length === 0 ? <p className="empty">No exports yet.</p> : (
          <div style={{ overflowX: "auto" }}><table className="list">
            <thead><tr><th>Export</th><th>Of</th><th>Status</th><th>Format</th><th>Destination</th><th>Size</th><th>Created</th><th></th></tr></thead>
            <tbody>
              {exports.map((e) => (
                <tr key={e.export_id} data-testid="export-row">
                  <td className="mono" style={{ fontSize: 12, wordBreak: "break-all", maxWidth: 140 }}>{e.export_id}</td>
                  <td>{e.export_type === "index" ? "index" : "run"}<div className="mono muted" style={{ fontSize: 12 }}>{e.target_id}</div></td>
                  <td>
                    <ExportStatusBadge status={e.status} />
                    {e.status === "pending" && e.attempts > 0 && <div className="muted" style={{ fontSize: 12 }}>retry {e.attempts + 1}/{e.max_attempts}</div>}
                    {e.error_message && <div className="error" style={{ fontSize: 12, maxWidth: 320 }}>{e.error_message}</div>}
                  </td>
                  <td>{e.format}</td>
                  <td>{e.destination_type === "download" ? "download" : (
                    <><span>{names.get(e.destination_connector_id!) ?? e.destination_connector_id}</span><div className="mono muted" style={{ fontSize: 12, wordBreak: "break-all", maxWidth: 300 }}>{e.gcs_uri ?? [e.destination_base_path, e.destination_subpath].filter(Boolean).join("/") + "/"}</div></>
                  )}</td>
                  <td style={{ whiteSpace: "nowrap" }}>{e.file_size_bytes !== null ? formatBytes(e.file_size_bytes) : "—"}</td>
                  <td style={{ whiteSpace: "nowrap" }}>{e.created_at.slice(5, 16).replace("T", " ")}</td>
                  <td>{e.download_url && <a className="button secondary" href={e.download_url} download data-testid="export-download">Download</a>}</td>
                </tr>
              ))}
            </tbody>
          </table></div>
        )}
      </div>
    </>
  );
}
