import Link from "next/link";
import { requireSession } from "@/lib/auth/authed-action";
import { listImportJobs } from "@/lib/imports/import-jobs";
import { IMPORT_STATUSES } from "@/lib/imports/schemas";
import { JobStatusBadge } from "./ui";

export const dynamic = "force-dynamic";

export default async function ImportsPage({ searchParams }: { searchParams: Promise<{ status?: string; index_id?: string; cursor?: string }> }) {
  const p = await requireSession();
  const sp = await searchParams;
  const status = (IMPORT_STATUSES as readonly string[]).includes(sp.status ?? "") ? (sp.status as (typeof IMPORT_STATUSES)[number]) : undefined;
  const page = await listImportJobs(p.workspaceId, { status, index_id: sp.index_id, limit: 50, cursor: sp.cursor }).catch(() =>
    listImportJobs(p.workspaceId, { status, index_id: sp.index_id, limit: 50 }));
  const q = (extra: Record<string, string | undefined>) => {
    const u = new URLSearchParams(Object.entries({ status, index_id: sp.index_id, ...extra }).filter(([, v]) => v) as [string, string][]);
    return `/imports${u.size ? `?${u}` : ""}`;
  };
  return (
    <>
      <h1>Imports</h1>
      <div className="actions" style={{ marginBottom: 16 }}>
        <Link className={`button ${!status ? "" : "secondary"}`} href={q({ status: undefined, cursor: undefined })}>all</Link>
        {IMPORT_STATUSES.map((s) => <Link key={s} className={`button ${status === s ? "" : "secondary"}`} href={q({ status: s, cursor: undefined })}>{s}</Link>)}
      </div>
      <div className="panel">
        {page.items.length === 0 ? <p className="empty">No imports{status ? ` with status ${status}` : ""}.</p> : (
          <table className="list">
            <thead><tr><th>Job</th><th>Status</th><th>Index</th><th>Source</th><th>Files</th><th>Created</th></tr></thead>
            <tbody>
              {page.items.map((j) => (
                <tr key={j.id} data-testid="import-row">
                  <td><Link className="mono" href={`/imports/${j.id}`}>{j.id}</Link></td>
                  <td><JobStatusBadge status={j.status} /></td>
                  <td><Link className="mono" href={`/indexes/${j.indexId}`}>{j.indexId}</Link></td>
                  <td className="mono">{j.sourcePrefix || "(root)"} {j.filePattern}</td>
                  <td>{j.importedFiles}/{j.totalFiles}{j.failedFiles ? ` · ${j.failedFiles} failed` : ""}</td>
                  <td>{j.createdAt.toISOString().slice(0, 16).replace("T", " ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {page.nextCursor && <p><Link className="button secondary" href={q({ cursor: page.nextCursor })}>Next page</Link></p>}
      </div>
    </>
  );
}
