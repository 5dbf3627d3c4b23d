"use client";

import { submitWithoutReset } from "./submit-without-reset";
import { useActionState, useState } from "react";
import { createExportAction } from "./actions";

type Run = { id: string; indexId: string; status: string; createdAt: string };

export function CreateExportForm({ indexes, runs, connectors }: {
  indexes: { id: string; name: string }[]; runs: Run[]; connectors: { id: string; name: string; basePath: string }[];
}) {
  const [state, action, pending] = useActionState(createExportAction, null);
  const [source, setSource] = useState<"index" | "run">("index");
  const [indexId, setIndexId] = useState(indexes[0]?.id ?? "");
  const [destination, setDestination] = useState<"download" | "connector">("download");
  const errors = state && !state.ok ? state.fields ?? {} : {};
  const indexRuns = runs.filter((r) => r.indexId === indexId);
  if (indexes.length === 0) return <div className="panel"><h2>New export</h2><p className="muted">Create an index and run a prompt over it first.</p></div>;
  return (
    <form onSubmit={submitWithoutReset(action)} className="panel" data-testid="create-export">
      <h2>New export</h2>
      <div className="row">
        <div className="field"><label htmlFor="x-source">Export</label>
          <select id="x-source" name="source" value={source} onChange={(e) => setSource(e.target.value as "index" | "run")}>
            <option value="index">an index (all or some runs)</option><option value="run">one prompt run</option>
          </select>
        </div>
        <div className="field"><label htmlFor="x-index">Index</label>
          <select id="x-index" name="index_id" value={indexId} onChange={(e) => setIndexId(e.target.value)}>
            {indexes.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
          </select>
        </div>
        {source === "run" && (
          <div className="field"><label htmlFor="x-run">Prompt run</label>
            <select id="x-run" name="run_id">{indexRuns.map((r) => <option key={r.id} value={r.id}>{r.id} · {r.status}</option>)}</select>
            {errors.run_id && <span className="error">{errors.run_id}</span>}
          </div>
        )}
        <div className="field"><label htmlFor="x-format">Format</label>
          <select id="x-format" name="format" defaultValue="json"><option value="json">JSON</option><option value="jsonl">JSON Lines</option><option value="csv">CSV</option></select>
        </div>
        <div className="field"><label htmlFor="x-dest">Destination</label>
          <select id="x-dest" name="destination" value={destination} onChange={(e) => setDestination(e.target.value as "download" | "connector")}>
            <option value="download">download from Gantry</option>
            <option value="connector" disabled={connectors.length === 0}>a connector{connectors.length === 0 ? " (none with export scope)" : ""}</option>
          </select>
        </div>
        {destination === "connector" && (
          <>
            <div className="field"><label htmlFor="x-conn">Connector</label>
              <select id="x-conn" name="destination_connector_id">{connectors.map((c) => <option key={c.id} value={c.id}>{c.name}{c.basePath ? ` (${c.basePath}/)` : ""}</option>)}</select>
              {errors.destination_connector_id && <span className="error">{errors.destination_connector_id}</span>}
            </div>
            <div className="field"><label htmlFor="x-sub">Subfolder</label><input id="x-sub" name="destination_subpath" placeholder="daily/2026" />
              {errors.destination_subpath && <span className="error">{errors.destination_subpath}</span>}
            </div>
          </>
        )}
      </div>
      {source === "index" && (
        <fieldset className="field" style={{ border: "none", padding: 0 }}>
          <label>Runs <span className="hint">(none ticked: every finished run of the index)</span></label>
          {indexRuns.length === 0 ? <span className="muted">No prompt runs in this index yet.</span> : indexRuns.map((r) => (
            <label key={r.id} className="actions" style={{ fontWeight: 400 }}>
              <input type="checkbox" name="prompt_run_ids" value={r.id} /> <span className="mono">{r.id}</span> · {r.status} · {r.createdAt}
            </label>
          ))}
          {Object.entries(errors).filter(([k]) => k.startsWith("prompt_run_ids")).map(([k, v]) => <span key={k} className="error">{v}</span>)}
        </fieldset>
      )}
      <div className="actions"><button type="submit" disabled={pending}>{pending ? "Starting…" : "Start export"}</button></div>
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
      {state?.ok && <p className="muted" role="status">Export {(state.data as { export_id: string }).export_id} started.</p>}
    </form>
  );
}
