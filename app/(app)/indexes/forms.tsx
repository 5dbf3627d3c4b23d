"use client";

import { useActionState, useState } from "react";
import { createIndexAction, renameIndexAction } from "./actions";

export function CreateIndexForm() {
  const [state, action, pending] = useActionState(createIndexAction, null);
  const fields = state && !state.ok ? state.fields ?? {} : {};
  return (
    <form action={action} className="panel">
      <h2>New index</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="index-name">Name</label>
          <input id="index-name" name="name" type="text" required maxLength={100} />
          {fields.name && <span className="error">{fields.name}</span>}
        </div>
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="index-description">Description</label>
          <input id="index-description" name="description" type="text" maxLength={2000} style={{ width: "100%" }} />
        </div>
        <div className="field">
          <button type="submit" disabled={pending}>{pending ? "Creating…" : "Create index"}</button>
        </div>
      </div>
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
    </form>
  );
}

export function RenameIndex({ indexId, name }: { indexId: string; name: string }) {
  const [editing, setEditing] = useState(false);
  const [state, action, pending] = useActionState(async (prev: unknown, fd: FormData) => {
    const r = await renameIndexAction(prev, fd);
    if (r?.ok) setEditing(false);
    return r;
  }, null);
  if (!editing) {
    return (
      <span className="actions">
        <strong>{name}</strong>
        <button type="button" className="link" onClick={() => setEditing(true)}>Rename</button>
      </span>
    );
  }
  return (
    <form action={action} className="actions">
      <input type="hidden" name="index_id" value={indexId} />
      <input name="name" type="text" defaultValue={name} required maxLength={100} aria-label="New name" />
      <button type="submit" disabled={pending}>Save</button>
      <button type="button" className="secondary" onClick={() => setEditing(false)}>Cancel</button>
      {state && !state.ok && <span className="form-error">{state.fields?.name ?? state.error}</span>}
    </form>
  );
}
