"use client";

import { useEffect, useState, useTransition } from "react";
import Link from "next/link";
import { cancelRunAction, runStatusAction } from "../../prompts/actions";
import { ProgressBar } from "@/components/progress-bar";

type Segment = { segment_id: string; segment_index: number; start_time: number; end_time: number; status: string; data: Record<string, unknown> | null; error: string | null };
type Result = { result_id: string; video_id: string; status: string; engine: string | null; video_result: Record<string, unknown> | null; error: string | null; attempts: number; segments: Segment[] };
type Run = {
  run_id: string; prompt_id: string; index_id: string; status: string; processing_model: string; engine: string; video_count: number;
  completed_videos: number; failed_videos: number; created_at: string; started_at: string | null; completed_at: string | null; video_segment_duration: number;
  automation_id: string | null; import_job_id: string | null; error_message: string | null;
};
type State = { run: Run; results: Result[]; more: boolean; titles: Record<string, { title: string; path: string | null }> };

const ACTIVE = ["pending", "processing"];

export function RunStatusBadge({ status, testId = "run-status" }: { status: string; testId?: string }) {
  const cls = status === "completed" ? "ok" : status === "failed" ? "bad" : status === "cancelled" ? "" : "warn";
  return <span className={`badge ${cls}`} data-testid={testId}>{status.replaceAll("_", " ")}</span>;
}

/** The run page polls every second while the run is active. */
export function LiveRun({ initial, promptName }: { initial: State; promptName: string }) {
  const [s, setS] = useState(initial);
  const [open, setOpen] = useState<string | null>(initial.results[0]?.result_id ?? null);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const { run } = s;
  useEffect(() => {
    if (!ACTIVE.includes(run.status)) return;
    const t = setTimeout(async () => {
      const r = await runStatusAction(run.run_id);
      if (r?.ok) setS(r.data as State);
    }, 1000);
    return () => clearTimeout(t);
  }, [s, run.status, run.run_id]);
  const done = run.completed_videos + run.failed_videos;
  const pct = run.video_count ? Math.round((done / run.video_count) * 100) : ACTIVE.includes(run.status) ? 0 : 100;
  return (
    <>
      <h1>Prompt run <span className="mono" style={{ fontSize: 16 }}>{run.run_id}</span> <RunStatusBadge status={run.status} /></h1>
      <div className="panel">
        <p className="muted">
          Prompt <Link href={`/prompts/${run.prompt_id}`}>{promptName}</Link> · engine <b>{run.engine}</b> ({run.processing_model}) ·
          segments of {run.video_segment_duration} s
          {run.automation_id && <> · started by the index&apos;s import automation{run.import_job_id && <> after <Link href={`/imports/${run.import_job_id}`}>{run.import_job_id}</Link></>}</>}
        </p>
        <div className="field"><label>Videos: {done} of {run.video_count} ({pct}%)</label>
          <ProgressBar pct={pct} />
        </div>
        <p data-testid="run-counts">{run.completed_videos} completed · {run.failed_videos} failed</p>
        {run.error_message && <p className="form-error">{run.error_message}</p>}
        {ACTIVE.includes(run.status) && (
          <button type="button" className="secondary" disabled={pending} onClick={() => start(async () => {
            const r = await cancelRunAction(run.run_id);
            if (r?.ok) { const n = await runStatusAction(run.run_id); if (n?.ok) setS(n.data as State); } else setError(r && !r.ok ? r.error : "Failed");
          })}>Cancel run</button>
        )}
        {error && <p className="form-error">{error}</p>}
      </div>
      <div className="panel">
        <h2>Results</h2>
        {s.results.length === 0 ? <p className="empty">No results yet.</p> : (
          <table className="list">
            <thead><tr><th>Video</th><th>Status</th><th>Engine</th><th>Segments</th><th>Video-level result</th></tr></thead>
            <tbody>
              {s.results.map((r) => (
                <ResultRows key={r.result_id} r={r} video={s.titles[r.video_id]} open={open === r.result_id} toggle={() => setOpen(open === r.result_id ? null : r.result_id)} />
              ))}
            </tbody>
          </table>
        )}
        {s.more && <p className="muted">Showing the first 50 videos; the API pages through all (GET /api/v2/prompt-runs/{run.run_id}/results).</p>}
      </div>
    </>
  );
}

function ResultRows({ r, video, open, toggle }: { r: Result; video?: { title: string; path: string | null }; open: boolean; toggle: () => void }) {
  const summary = r.video_result ? (typeof r.video_result.description === "string" ? r.video_result.description : JSON.stringify(r.video_result.result ?? r.video_result)) : r.error ?? "—";
  return (
    <>
      <tr data-testid="result-row">
        <td>{video ? <>{video.title} <span className="mono muted">{video.path}</span></> : <span className="mono">{r.video_id} (deleted)</span>}</td>
        <td><RunStatusBadge status={r.status} testId="result-status" /></td>
        <td>{r.engine ?? "—"}</td>
        <td><button type="button" className="secondary" onClick={toggle}>{open ? "Hide" : "Show"} {r.segments.length}</button></td>
        <td className={r.error ? "error" : ""}>{summary}</td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <table className="list segments" data-testid="segments-table">
              <thead><tr><th>#</th><th>Start</th><th>End</th><th>Status</th><th>Data</th></tr></thead>
              <tbody>
                {r.segments.map((g) => (
                  <tr key={g.segment_id}>
                    <td>{g.segment_index}</td><td>{g.start_time.toFixed(2)} s</td><td>{g.end_time.toFixed(2)} s</td><td><RunStatusBadge status={g.status} testId="segment-status" /></td>
                    <td className="mono" style={{ maxWidth: 560, overflowWrap: "anywhere" }}>{g.data ? JSON.stringify(segmentData(g.data)) : <span className="error">{g.error}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </td>
        </tr>
      )}
    </>
  );
}

/** The probe engine repeats media facts in every segment; show the part that differs first. */
function segmentData(d: Record<string, unknown>) {
  if (d.engine !== "probe") return d;
  const { engine: _e, start_time: _s, end_time: _t, ...rest } = d;
  return rest;
}
