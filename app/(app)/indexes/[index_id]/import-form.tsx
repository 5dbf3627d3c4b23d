"use client";

import { useActionState, useEffect, useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { previewImportAction, startImportAction } from "../../imports/actions";
import { formatBytes } from "../../connectors/ui";

export function ImportForm({ indexId, connectors }: { indexId: string; connectors: { id: string; name: string }[] }) {
  const [state, action, pending] = useActionState(startImportAction, null);
  const [preview, setPreview] = useState<{ files: { path: string; size: number }[]; more: boolean } | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [previewing, startPreview] = useTransition();
  const form = useRef<HTMLFormElement>(null);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.push(`/imports/${(state.data as { job_id: string }).job_id}`);
  }, [state, router]);
  if (connectors.length === 0) {
    return <div className="panel"><h2>Import from a connector</h2><p className="muted">No connector with the import scope yet. <a href="/connectors">Add one</a> first.</p></div>;
  }
  const errors = state && !state.ok ? state.fields ?? {} : {};
  return (
    <form ref={form} action={action} className="panel">
      <h2>Import from a connector</h2>
      <input type="hidden" name="index_id" value={indexId} />
      <div className="row">
        <div className="field"><label htmlFor="i-conn">Connector</label>
          <select id="i-conn" name="connector_id">{connectors.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}</select>
        </div>
        <div className="field"><label htmlFor="i-prefix">Prefix</label><input id="i-prefix" name="source_prefix" placeholder="raw/2026/" />{errors.source_prefix && <span className="error">{errors.source_prefix}</span>}</div>
        <div className="field"><label htmlFor="i-pattern">Pattern</label><input id="i-pattern" name="file_pattern" defaultValue="*" />{errors.file_pattern && <span className="error">{errors.file_pattern}</span>}</div>
        <div className="field"><label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="recursive" defaultChecked /> include subfolders</label></div>
        <div className="field"><label htmlFor="i-mode">Mode</label>
          <select id="i-mode" name="import_mode" defaultValue=""><option value="">connector default</option><option value="all">all files</option><option value="new_only">new files only</option></select>
        </div>
      </div>
      <div className="actions">
        <button type="button" className="secondary" disabled={previewing} onClick={() => startPreview(async () => {
          const r = await previewImportAction(new FormData(form.current!));
          if (r?.ok) { setPreview(r.data as { files: { path: string; size: number }[]; more: boolean }); setPreviewError(null); }
          else setPreviewError(r && !r.ok ? r.error : "Preview failed");
        })}>{previewing ? "Listing…" : "Preview matching files"}</button>
        <button type="submit" disabled={pending}>{pending ? "Starting…" : "Start import"}</button>
      </div>
      {previewError && <p className="form-error">{previewError}</p>}
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
      {preview && (
        <div style={{ marginTop: 12 }} data-testid="import-preview">
          <p className="muted">{preview.files.length}{preview.more ? "+" : ""} matching file{preview.files.length === 1 ? "" : "s"}{preview.more ? " (first 50 shown)" : ""}</p>
          <table className="list"><tbody>
            {preview.files.map((f) => <tr key={f.path}><td className="mono">{f.path}</td><td>{formatBytes(f.size)}</td></tr>)}
          </tbody></table>
        </div>
      )}
    </form>
  );
}
