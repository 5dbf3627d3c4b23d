"use client";

import { useActionState, useEffect, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { browseConnectorAction, deleteConnectorAction, testConnectorAction, updateConnectorAction } from "../actions";
import { formatBytes } from "../ui";

type Check = { name: string; ok: boolean; error_message: string | null };
type TestResult = { success: boolean; error_message: string | null; error_code: string | null; checks: Check[]; latency_ms: number };

export function TestPanel({ connectorId }: { connectorId: string }) {
  const [state, action, pending] = useActionState(testConnectorAction, null);
  const result = state?.ok ? (state.data as TestResult) : null;
  return (
    <div className="panel">
      <div className="row" style={{ justifyContent: "space-between", alignItems: "center" }}>
        <h2 style={{ margin: 0 }}>Connection test</h2>
        <form action={action}>
          <input type="hidden" name="connector_id" value={connectorId} />
          <button type="submit" disabled={pending}>{pending ? "Testing…" : "Test connection"}</button>
        </form>
      </div>
      {state && !state.ok && <p className="form-error">{state.error}</p>}
      {result && (
        <div data-testid="test-result" style={{ marginTop: 12 }}>
          <p>
            <span className={`badge ${result.success ? "ok" : "bad"}`}>{result.success ? "success" : "failure"}</span>{" "}
            {result.error_code && <code>{result.error_code}</code>} <span className="muted">{result.latency_ms} ms</span>
          </p>
          {result.error_message && <p className="form-error">{result.error_message}</p>}
          <table className="list">
            <thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead>
            <tbody>
              {result.checks.map((c) => (
                <tr key={c.name}><td>{c.name}</td><td><span className={`badge ${c.ok ? "ok" : "bad"}`}>{c.ok ? "ok" : "failed"}</span></td><td className="muted">{c.error_message ?? ""}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function EditPanel(props: { connectorId: string; name: string; scopes: string[]; importMode: string; exportBasePath: string; status: string }) {
  const [state, action, pending] = useActionState(updateConnectorAction, null);
  const errors = state && !state.ok ? state.fields ?? {} : {};
  return (
    <form action={action} className="panel">
      <h2>Settings</h2>
      <input type="hidden" name="connector_id" value={props.connectorId} />
      <input type="hidden" name="scopes_present" value="1" />
      <div className="row">
        <div className="field"><label htmlFor="e-name">Name</label><input id="e-name" name="name" defaultValue={props.name} required />{errors.name && <span className="error">{errors.name}</span>}</div>
        <div className="field">
          <label>Scopes</label>
          <div className="actions">
            {["import", "export"].map((s) => (
              <label key={s} className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="scopes" value={s} defaultChecked={props.scopes.includes(s)} /> {s}</label>
            ))}
          </div>
          {errors.scopes && <span className="error">{errors.scopes}</span>}
        </div>
        <div className="field"><label htmlFor="e-mode">Import mode</label>
          <select id="e-mode" name="import_mode" defaultValue={props.importMode}><option value="all">all files</option><option value="new_only">new files only</option></select>
        </div>
        <div className="field"><label htmlFor="e-base">Export base path</label><input id="e-base" name="export_base_path" defaultValue={props.exportBasePath} />{errors.export_base_path && <span className="error">{errors.export_base_path}</span>}</div>
        <div className="field"><label htmlFor="e-status">Status</label>
          <select id="e-status" name="status" defaultValue={props.status === "disabled" ? "disabled" : "active"}><option value="active">active</option><option value="disabled">disabled</option></select>
        </div>
      </div>
      {state && !state.ok && <p className="form-error">{state.error}</p>}
      {state?.ok && <p className="notice">{state.message}</p>}
      <button type="submit" disabled={pending}>Save</button>
    </form>
  );
}

export function DeletePanel({ connectorId }: { connectorId: string }) {
  const [state, action, pending] = useActionState(deleteConnectorAction, null);
  const [armed, setArmed] = useState(false);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.push("/connectors");
  }, [state, router]);
  return (
    <form action={action} className="panel">
      <h2>Delete connector</h2>
      <p className="muted">Media already imported stay. A connector still used by a job, automation or export cannot be deleted.</p>
      <input type="hidden" name="connector_id" value={connectorId} />
      {!armed ? (
        <button type="button" className="secondary" onClick={() => setArmed(true)}>Delete…</button>
      ) : (
        <span className="actions">
          <button type="submit" className="danger" disabled={pending}>Confirm delete</button>
          <button type="button" className="secondary" onClick={() => setArmed(false)}>Cancel</button>
        </span>
      )}
      {state && !state.ok && <p className="form-error">{state.error}</p>}
    </form>
  );
}

type Entry = { path: string; name: string; size_bytes: number; last_modified: string | null; type?: "file" | "folder" };

export function FileBrowser({ connectorId, disabled }: { connectorId: string; disabled: boolean }) {
  const [prefix, setPrefix] = useState("");
  const [pattern, setPattern] = useState("*");
  const [recursive, setRecursive] = useState(false);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [pending, start] = useTransition();

  function load(opts: { prefix: string; append?: boolean }) {
    start(async () => {
      const r = await browseConnectorAction(connectorId, { prefix: opts.prefix, pattern: pattern || "*", recursive, cursor: opts.append ? cursor ?? undefined : undefined });
      if (!r || !r.ok) {
        setError(r && !r.ok ? r.error : "Browse failed");
        return;
      }
      const data = r.data as { entries: Entry[]; nextCursor: string | null };
      setError(null);
      setPrefix(opts.prefix);
      setEntries(opts.append ? [...entries, ...data.entries] : data.entries);
      setCursor(data.nextCursor);
      setLoaded(true);
    });
  }

  const crumbs = prefix.split("/").filter(Boolean);
  return (
    <div className="panel" data-testid="file-browser">
      <h2>Files</h2>
      {disabled ? <p className="muted">This connector is disabled; enable it to browse.</p> : (
        <>
          <form className="row" onSubmit={(e) => { e.preventDefault(); load({ prefix }); }}>
            <div className="field"><label htmlFor="b-pattern">Filter (glob)</label><input id="b-pattern" value={pattern} onChange={(e) => setPattern(e.target.value)} placeholder="*.mp4" /></div>
            <div className="field"><label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" checked={recursive} onChange={(e) => setRecursive(e.target.checked)} /> include subfolders</label></div>
            <div className="field"><button type="submit" disabled={pending}>{loaded ? "Apply" : "Browse"}</button></div>
          </form>
          <p className="mono" data-testid="breadcrumbs">
            <button type="button" className="link" onClick={() => load({ prefix: "" })}>(root)</button>
            {crumbs.map((c, i) => (
              <span key={i}> / <button type="button" className="link" onClick={() => load({ prefix: crumbs.slice(0, i + 1).join("/") + "/" })}>{c}</button></span>
            ))}
          </p>
          {error && <p className="form-error">{error}</p>}
          {loaded && (
            entries.length === 0 ? <p className="empty">No matching files here.</p> : (
              <table className="list">
                <thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>
                <tbody>
                  {entries.map((e) => (
                    <tr key={e.path} data-testid={e.type === "folder" ? "browse-folder" : "browse-file"}>
                      <td>{e.type === "folder"
                        ? <button type="button" className="link" onClick={() => load({ prefix: e.path })}>📁 {e.name}/</button>
                        : <span className="mono">{recursive ? e.path.slice(prefix.length) : e.name}</span>}</td>
                      <td>{e.type === "folder" ? "—" : formatBytes(e.size_bytes)}</td>
                      <td>{e.last_modified ? e.last_modified.replace("T", " ").replace("Z", "") : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          )}
          {cursor && <button type="button" className="secondary" disabled={pending} onClick={() => load({ prefix, append: true })}>Load more</button>}
          {pending && <span className="muted"> Loading…</span>}
        </>
      )}
    </div>
  );
}
