"use client";

import { useEffect, useState, useTransition } from "react";
import Link from "next/link";
import { cancelImportAction, importJobStatusAction, retryImportAction } from "../actions";
import { formatBytes } from "../../connectors/ui";
import { JobStatusBadge } from "../ui";
import { ProgressBar } from "@/components/progress-bar";
import { ACTIVE_IMPORT_STATUSES } from "@/lib/imports/statuses";

type Job = {
  job_id: string; status: string; target_index_id: string; connector_id: string; source_prefix: string; file_pattern: string; import_mode: string;
  error_message: string | null; created_at: string; started_at: string | null; completed_at: string | null;
  progress: { total_files: number; imported: number; failed: number; skipped: number; bytes_transferred: number; total_bytes: number; current_file: string | null };
  failed_files: { path: string; error: string }[]; skipped_files: { path: string; reason: string }[];
};


/** The job page polls every second while the job runs (server action; no extra API surface). */
export function LiveJob({ initial }: { initial: Job }) {
  const [job, setJob] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  useEffect(() => {
    if (!ACTIVE_IMPORT_STATUSES.includes(job.status)) return;
    const t = setTimeout(async () => {
      const r = await importJobStatusAction(job.job_id);
      if (r?.ok) setJob(r.data as Job);
    }, 1000);
    return () => clearTimeout(t);
  }, [job]);
  const p = job.progress;
  const done = p.imported + p.failed + p.skipped;
  const pctFiles = p.total_files ? Math.round((done / p.total_files) * 100) : 0;
  const pctBytes = p.total_bytes ? Math.round((p.bytes_transferred / p.total_bytes) * 100) : 0;
  const act = (fn: (id: string) => Promise<{ ok: boolean; data?: unknown; error?: string } | null>) =>
    start(async () => {
      const r = await fn(job.job_id);
      if (r?.ok) { setJob(r.data as Job); setError(null); } else setError(r && !r.ok ? r.error ?? "Failed" : "Failed");
    });
  return (
    <>
      <h1>Import <span className="mono" style={{ fontSize: 16 }}>{job.job_id}</span> <JobStatusBadge status={job.status} /></h1>
      <div className="panel">
        <p className="muted">
          Into <Link href={`/indexes/${job.target_index_id}`}>{job.target_index_id}</Link> from <Link href={`/connectors/${job.connector_id}`}>{job.connector_id}</Link>,
          prefix <code>{job.source_prefix || "(root)"}</code>, pattern <code>{job.file_pattern}</code>, mode {job.import_mode}
        </p>
        <div className="field"><label>Files: {done} of {p.total_files} ({pctFiles}%)</label><ProgressBar pct={pctFiles} /></div>
        <div className="field"><label>Bytes: {formatBytes(p.bytes_transferred)} of {formatBytes(p.total_bytes)} ({pctBytes}%)</label><ProgressBar pct={pctBytes} /></div>
        <p data-testid="job-counts">{p.imported} imported · {p.failed} failed · {p.skipped} skipped</p>
        {p.current_file && ACTIVE_IMPORT_STATUSES.includes(job.status) && <p className="muted">Current file: <code>{p.current_file}</code></p>}
        {job.error_message && <p className="form-error">{job.error_message}</p>}
        <div className="actions">
          {ACTIVE_IMPORT_STATUSES.includes(job.status) && <button type="button" className="danger" disabled={pending} onClick={() => act(cancelImportAction)}>Cancel</button>}
          {["completed", "failed"].includes(job.status) && p.failed > 0 && <button type="button" disabled={pending} onClick={() => act(retryImportAction)}>Retry failed files</button>}
        </div>
        {error && <p className="form-error">{error}</p>}
      </div>
      {job.failed_files.length > 0 && (
        <div className="panel"><h2>Failed ({p.failed})</h2>
          <table className="list"><tbody>{job.failed_files.map((f) => <tr key={f.path}><td className="mono">{f.path}</td><td className="form-error">{f.error}</td></tr>)}</tbody></table>
        </div>
      )}
      {job.skipped_files.length > 0 && (
        <div className="panel"><h2>Skipped ({p.skipped})</h2>
          <table className="list"><tbody>{job.skipped_files.map((f) => <tr key={f.path}><td className="mono">{f.path}</td><td><span className="badge">{f.reason}</span></td></tr>)}</tbody></table>
        </div>
      )}
    </>
  );
}
