"use client";

import { submitWithoutReset } from "../../exports/submit-without-reset";
import { useActionState, useTransition } from "react";
import Link from "next/link";
import type { z } from "zod";
import type { ExportAutomationObject } from "@/lib/exports/schemas";
import { deleteExportAutomationAction, saveExportAutomationAction, setExportAutomationPausedAction } from "../../exports/actions";

type Automation = z.infer<typeof ExportAutomationObject>;

export function ExportAutomationForm({ indexId, automation, connectors }: {
  indexId: string; automation: Automation | null; connectors: { id: string; name: string; basePath: string }[];
}) {
  const [state, action, pending] = useActionState(saveExportAutomationAction, null);
  const [busy, startTransition] = useTransition();
  const errors = state && !state.ok ? state.fields ?? {} : {};
  const a = automation;
  const status = !a ? null : !a.enabled ? "disabled" : a.paused ? "paused" : "active";
  if (connectors.length === 0 && !a) {
    return (
      <div className="panel" data-testid="export-automation">
        <h2>Export automation</h2>
        <p className="muted">Export every finished prompt run of this index to a bucket: first <Link href="/connectors/new">add a connector</Link> with the export scope.</p>
      </div>
    );
  }
  return (
    // keyed by the saved settings: the uncontrolled fields show them again after every change
    <form key={a ? [a.enabled, a.paused, a.destination_connector_id, a.destination_subpath, a.format].join("|") : "new"} onSubmit={submitWithoutReset(action)} className="panel" data-testid="export-automation">
      <h2>Export automation {status && <span className={`badge ${status === "active" ? "ok" : "warn"}`}>{status}</span>}</h2>
      <p className="muted">Each prompt run of this index that finishes (completed, or completed with failures) is exported once to the connector.</p>
      <input type="hidden" name="index_id" value={indexId} />
      <div className="row">
        <div className="field"><label htmlFor="ea-conn">Connector</label>
          <select id="ea-conn" name="destination_connector_id" defaultValue={a?.destination_connector_id}>
            {connectors.map((c) => <option key={c.id} value={c.id}>{c.name}{c.basePath ? ` (${c.basePath}/)` : ""}</option>)}
          </select>
          {errors.destination_connector_id && <span className="error">{errors.destination_connector_id}</span>}
        </div>
        <div className="field"><label htmlFor="ea-sub">Subfolder</label>
          <input id="ea-sub" name="destination_subpath" defaultValue={a?.destination_subpath ?? ""} placeholder="results" />
          {errors.destination_subpath && <span className="error">{errors.destination_subpath}</span>}
        </div>
        <div className="field"><label htmlFor="ea-format">Format</label>
          <select id="ea-format" name="format" defaultValue={a?.format ?? "json"}><option value="json">JSON</option><option value="jsonl">JSON Lines</option><option value="csv">CSV</option></select>
        </div>
        <div className="field"><label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="enabled" defaultChecked={a?.enabled ?? true} /> enabled</label></div>
        <div className="field"><label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="paused" defaultChecked={a?.paused ?? false} /> paused</label></div>
      </div>
      {a && (
        <p className="muted" style={{ fontSize: 13 }}>
          Last export: {a.last_export_id ? <span className="mono">{a.last_export_id}</span> : "none yet"}
          {a.last_triggered_at && <> · {a.last_triggered_at.slice(0, 16).replace("T", " ")}</>}
          {a.consecutive_failures > 0 && <> · <span className="error">{a.consecutive_failures} failed in a row{a.last_error ? `: ${a.last_error}` : ""}</span></>}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={pending}>{pending ? "Saving…" : a ? "Save" : "Turn on"}</button>
        {a && <button type="button" className="secondary" disabled={busy} onClick={() => startTransition(async () => { await setExportAutomationPausedAction(indexId, !a.paused); })}>{a.paused ? "Resume" : "Pause"}</button>}
        {a && <button type="button" className="secondary" disabled={busy} onClick={() => startTransition(async () => { await deleteExportAutomationAction(indexId); })}>Delete</button>}
      </div>
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
      {state?.ok && <p className="muted" role="status">{state.message}</p>}
    </form>
  );
}
