"use client";

import { useActionState, useTransition } from "react";
import Link from "next/link";
import { ConfirmButton } from "@/components/confirm-button";
import { deleteImportAutomationAction, pauseImportAutomationAction, saveImportAutomationAction } from "./automation-actions";

type Automation = {
  enabled: boolean; paused: boolean; paused_reason: string | null; connector_id: string; source_prefix: string; file_pattern: string; recursive: boolean;
  debounce_interval: string; prompt_preset: { prompt_id: string; processing_model?: string; video_segment_duration?: number } | null; backfill: boolean;
  last_triggered_at: string | null; next_run_at: string | null; last_import_job_id: string | null; consecutive_failures: number; last_error: string | null;
};

const when = (s: string | null) => (s ? s.slice(0, 16).replace("T", " ") + " UTC" : "—");

/** Configure the index's import automation and see its state. */
export function ImportAutomationPanel({ indexId, automation, connectors, prompts }: {
  indexId: string; automation: Automation | null; connectors: { id: string; name: string }[]; prompts: { id: string; name: string }[];
}) {
  const [state, action, saving] = useActionState(saveImportAutomationAction, null);
  const [toggling, start] = useTransition();
  const a = automation;
  const errors = state && !state.ok ? state.fields ?? {} : {};
  const stateBadge = !a ? null : !a.enabled ? <span className="badge">disabled</span> : a.paused ? <span className="badge warn">paused</span> : <span className="badge ok">enabled</span>;
  return (
    <div className="panel" data-testid="automation-panel">
      <h2>Import automation {stateBadge}</h2>
      {a && (
        <div className="notice" data-testid="automation-state">
          {a.paused && <div><b>Paused:</b> {a.paused_reason ?? "paused"}</div>}
          <div>Last scan: {when(a.last_triggered_at)} · Next scan: {a.enabled && !a.paused ? when(a.next_run_at) : "—"}
            {a.last_import_job_id && <> · Last job: <Link href={`/imports/${a.last_import_job_id}`} className="mono">{a.last_import_job_id}</Link></>}</div>
          {a.last_error && <div className="error">Last error ({a.consecutive_failures} in a row): {a.last_error}</div>}
          <div className="actions" style={{ marginTop: 8 }}>
            <button type="button" className="secondary" disabled={toggling} onClick={() => start(async () => { await pauseImportAutomationAction(indexId, !a.paused); })}>
              {a.paused ? "Resume" : "Pause"}
            </button>
          </div>
        </div>
      )}
      {connectors.length === 0 ? <p className="muted">No connector with the import scope yet. <Link href="/connectors">Add one</Link> first.</p> : (
        <form action={action}>
          <input type="hidden" name="index_id" value={indexId} />
          <p className="muted">Every interval Gantry lists the location and imports files it has not imported yet, then runs the prompt over them.</p>
          <div className="row">
            <div className="field"><label htmlFor="a-conn">Connector</label>
              <select id="a-conn" name="connector_id" defaultValue={a?.connector_id}>{connectors.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}</select>
              {errors.connector_id && <span className="error">{errors.connector_id}</span>}
            </div>
            <div className="field"><label htmlFor="a-prefix">Prefix</label><input id="a-prefix" name="source_prefix" defaultValue={a?.source_prefix} placeholder="incoming/" />{errors.source_prefix && <span className="error">{errors.source_prefix}</span>}</div>
            <div className="field"><label htmlFor="a-pattern">Pattern</label><input id="a-pattern" name="file_pattern" defaultValue={a?.file_pattern ?? "*"} /></div>
            <div className="field"><label htmlFor="a-int">Every</label>
              <select id="a-int" name="debounce_interval" defaultValue={a?.debounce_interval ?? "10m"}>
                <option value="5m">5 minutes</option><option value="10m">10 minutes</option><option value="1h">hour</option><option value="1d">day</option>
              </select>
            </div>
          </div>
          <div className="row">
            <div className="field"><label htmlFor="a-prompt">Then run prompt</label>
              <select id="a-prompt" name="prompt_id" defaultValue={a?.prompt_preset?.prompt_id ?? ""}>
                <option value="">(no prompt run)</option>{prompts.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
              </select>
              {errors["prompt_preset.prompt_id"] && <span className="error">{errors["prompt_preset.prompt_id"]}</span>}
            </div>
            <div className="field"><label htmlFor="a-model">Engine</label><input id="a-model" name="processing_model" defaultValue={a?.prompt_preset?.processing_model ?? "probe"} />
              {errors["prompt_preset.processing_model"] && <span className="error">{errors["prompt_preset.processing_model"]}</span>}</div>
            <div className="field"><label htmlFor="a-seg">Segment (s)</label><input id="a-seg" name="video_segment_duration" type="number" min={1} max={3600} defaultValue={a?.prompt_preset?.video_segment_duration ?? 10} /></div>
          </div>
          <div className="actions">
            <label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="recursive" defaultChecked={a?.recursive ?? true} /> include subfolders</label>
            <label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="backfill" defaultChecked={a?.backfill ?? false} /> also import files already there</label>
            <label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="enabled" defaultChecked={a?.enabled ?? true} /> enabled</label>
            <button type="submit" disabled={saving}>{saving ? "Saving…" : a ? "Save automation" : "Create automation"}</button>
            {state?.ok && <span className="muted">{state.message}</span>}
          </div>
          {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
        </form>
      )}
      {a && (
        <form action={deleteImportAutomationAction} style={{ marginTop: 12 }}>
          <input type="hidden" name="index_id" value={indexId} />
          <ConfirmButton label="Delete automation" confirmLabel="Yes, delete the automation" />
        </form>
      )}
    </div>
  );
}
