"use client";

import { useActionState } from "react";
import { ShownOnce as SharedShownOnce } from "@/components/shown-once";
import { createApiKeyAction } from "./actions";

export function NewKeyForm() {
  const [state, action, pending] = useActionState(createApiKeyAction, null);
  const fields = state && !state.ok ? state.fields ?? {} : {};
  return (
    <div className="panel">
      <h2>Create an API key</h2>
      <form action={action}>
        <div className="row">
          <div className="field">
            <label htmlFor="key-name">Name</label>
            <input id="key-name" name="name" type="text" required maxLength={100} placeholder="CI pipeline" />
            {fields.name && <span className="error">{fields.name}</span>}
          </div>
          <div className="field">
            <label>Scopes</label>
            <div className="actions">
              {(["admin", "write", "read", "search"] as const).map((s) => (
                <label key={s} className="actions" style={{ fontWeight: 400 }}>
                  <input type="checkbox" name="scopes" value={s} defaultChecked={s === "read"} /> {s}
                </label>
              ))}
            </div>
            {fields.scopes && <span className="error">{fields.scopes}</span>}
          </div>
          <div className="field">
            <label htmlFor="key-expiry">Expires in (days)</label>
            <input id="key-expiry" name="expires_in_days" type="number" min={1} max={365} placeholder="never" style={{ minWidth: 120 }} />
            {fields.expires_in_days && <span className="error">{fields.expires_in_days}</span>}
          </div>
          <div className="field">
            <button type="submit" disabled={pending}>{pending ? "Creating…" : "Create key"}</button>
          </div>
        </div>
      </form>
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
      {state?.ok && state.data && <ShownOnce keyText={(state.data as { key: string }).key} />}
    </div>
  );
}

export function ShownOnce({ keyText }: { keyText: string }) {
  return (
    <SharedShownOnce text={keyText} testId="new-api-key">
      Copy this key now: it is shown only once. Gantry stores only a hash of it.
    </SharedShownOnce>
  );
}
