import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/authed-action";
import { ApiError } from "@/lib/api/errors";
import { db } from "@/lib/db";
import { getIndex } from "@/lib/indexes/indexes";
import { listIndexVideos, toVideoDto } from "@/lib/videos/videos";
import { formatBytes } from "../../connectors/ui";
import { ImportForm } from "./import-form";
import { ExportAutomationPanel } from "./export-automation-panel";
import { JobStatusBadge } from "../../imports/ui";
import { env } from "@/lib/config/env";
import { toImportAutomationDto } from "@/lib/automations/import-automation";
import { ImportAutomationPanel } from "./import-automation-panel";
import { RunPromptForm } from "./run-prompt-form";
import { RunStatusBadge } from "../../prompt-runs/[run_id]/live-run";

export const dynamic = "force-dynamic";

export default async function IndexPage({ params, searchParams }: { params: Promise<{ index_id: string }>; searchParams: Promise<{ cursor?: string }> }) {
  const p = await requireSession();
  const { index_id } = await params;
  const { cursor } = await searchParams;
  let index;
  try {
    index = await getIndex(p.workspaceId, index_id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  const [page, connectors, jobs, prompts, runs, automation] = await Promise.all([
    listIndexVideos(p.workspaceId, index_id, 50, cursor).catch(() => listIndexVideos(p.workspaceId, index_id, 50)),
    db.connector.findMany({ where: { workspaceId: p.workspaceId, scopes: { has: "import" }, status: { not: "disabled" } }, select: { id: true, name: true }, orderBy: { id: "desc" } }),
    db.importJob.findMany({ where: { workspaceId: p.workspaceId, indexId: index_id }, orderBy: { id: "desc" }, take: 5 }),
    db.prompt.findMany({ where: { workspaceId: p.workspaceId, isActive: true }, select: { id: true, name: true }, orderBy: { id: "desc" }, take: 200 }),
    db.promptRun.findMany({ where: { workspaceId: p.workspaceId, indexId: index_id }, orderBy: { id: "desc" }, take: 5 }),
    db.automation.findFirst({ where: { workspaceId: p.workspaceId, indexId: index_id, type: "import" } }),
  ]);
  const e = env();
  const models = ["probe", ...(e.GANTRY_LLM_BASE_URL && e.GANTRY_LLM_MODEL ? ["llm"] : [])];
  const videos = page.items.map(toVideoDto);
  return (
    <>
      <p><Link href="/indexes">← Indexes</Link></p>
      <h1>{index.name}</h1>
      {index.description && <p className="muted">{index.description}</p>}
      <ImportForm indexId={index_id} connectors={connectors} />
      <ImportAutomationPanel indexId={index_id} automation={automation ? toImportAutomationDto(automation) : null} connectors={connectors} prompts={prompts} />
      <div className="panel">
        <h2>Prompt runs</h2>
        <RunPromptForm indexId={index_id} prompts={prompts} models={models} />
        {runs.length > 0 && (
          <table className="list" style={{ marginTop: 12 }}><tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="run-row"><td><Link href={`/prompt-runs/${r.id}`} className="mono">{r.id}</Link></td><td><RunStatusBadge status={r.status} testId="run-row-status" /></td>
                <td>{r.engine}</td><td>{r.completedVideos} completed · {r.failedVideos} failed of {r.videoCount}</td><td>{r.createdAt.toISOString().slice(0, 16).replace("T", " ")}</td></tr>
            ))}
          </tbody></table>
        )}
      </div>
      <ExportAutomationPanel workspaceId={p.workspaceId} indexId={index_id} />
      {jobs.length > 0 && (
        <div className="panel">
          <h2>Recent imports <Link href={`/imports?index_id=${index_id}`} style={{ fontSize: 13, fontWeight: 400 }}>all</Link></h2>
          <table className="list"><tbody>
            {jobs.map((j) => (
              <tr key={j.id}><td><Link href={`/imports/${j.id}`} className="mono">{j.id}</Link></td><td><JobStatusBadge status={j.status} /></td>
                <td>{j.importedFiles} imported · {j.failedFiles} failed · {j.skippedFiles} skipped of {j.totalFiles}</td><td>{j.createdAt.toISOString().slice(0, 16).replace("T", " ")}</td></tr>
            ))}
          </tbody></table>
        </div>
      )}
      <div className="panel">
        <h2>Videos</h2>
        {videos.length === 0 ? <p className="empty">No media yet. Import from a connector above.</p> : (
          <table className="list">
            <thead><tr><th>Title</th><th>Type</th><th>Duration</th><th>Size</th><th>Status</th><th>Source</th></tr></thead>
            <tbody>
              {videos.map((v) => (
                <tr key={v.video_id} data-testid="video-row">
                  <td>{v.title}</td><td>{v.media_type}</td>
                  <td>{v.duration_seconds != null ? `${v.duration_seconds.toFixed(1)} s` : "—"}</td>
                  <td>{formatBytes(v.size_bytes)}</td>
                  <td><span className={`badge ${v.status === "ready" ? "ok" : v.status === "failed" ? "bad" : "warn"}`}>{v.status}</span></td>
                  <td className="mono muted">{v.source?.path ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {page.nextCursor && <p><Link className="button secondary" href={`/indexes/${index_id}?cursor=${page.nextCursor}`}>Next page</Link></p>}
      </div>
    </>
  );
}
