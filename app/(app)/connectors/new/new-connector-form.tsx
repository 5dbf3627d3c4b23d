"use client";

import { useActionState, useEffect } from "react";
import { useRouter } from "next/navigation";
import { createConnectorAction } from "../actions";

type Provider = "s3" | "gcs" | "azure";

function Field(props: { name: string; label: string; type?: string; hint?: string; required?: boolean; placeholder?: string; errors: Record<string, string>; accept?: string }) {
  return (
    <div className="field">
      <label htmlFor={`f-${props.name}`}>{props.label}</label>
      <input id={`f-${props.name}`} name={props.name} type={props.type ?? "text"} required={props.required} placeholder={props.placeholder}
        accept={props.accept} autoComplete="off" />
      {props.hint && <span className="hint">{props.hint}</span>}
      {props.errors[props.name] && <span className="error">{props.errors[props.name]}</span>}
    </div>
  );
}

export function NewConnectorForm({ provider }: { provider: Provider }) {
  const [state, action, pending] = useActionState(createConnectorAction, null);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.push(`/connectors/${(state.data as { connector_id: string }).connector_id}`);
  }, [state, router]);
  const errors = state && !state.ok ? state.fields ?? {} : {};
  return (
    <form action={action} className="panel">
      <input type="hidden" name="provider" value={provider} />
      <Field name="name" label="Name" required errors={errors} placeholder="Raw footage" />
      {provider === "s3" && (
        <>
          <Field name="bucket" label="Bucket" required errors={errors} />
          <Field name="region" label="Region" errors={errors} placeholder="us-east-1" />
          <Field name="aws_access_key_id" label="Access key ID" required errors={errors} />
          <Field name="aws_secret_access_key" label="Secret access key" type="password" required errors={errors} />
        </>
      )}
      {provider === "gcs" && (
        <>
          <Field name="bucket" label="Bucket" required errors={errors} />
          <Field name="gcp_project_id" label="Project ID" required errors={errors} />
          <Field name="credentials_file" label="Service-account key (JSON)" type="file" accept="application/json,.json" required errors={errors}
            hint="The JSON key file of a service account with access to the bucket (max 64 KiB)." />
        </>
      )}
      {provider === "azure" && (
        <>
          <Field name="storage_account" label="Storage account" required errors={errors} />
          <Field name="container" label="Container" required errors={errors} />
          <Field name="tenant_id" label="Tenant ID" errors={errors} />
          <Field name="client_id" label="Client ID" errors={errors} />
          <Field name="client_secret" label="Client secret" type="password" errors={errors}
            hint="A service principal. Or use an account key or SAS token under Advanced." />
        </>
      )}
      <div className="field">
        <label>Scopes</label>
        <div className="actions">
          <label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="scopes" value="import" defaultChecked /> import</label>
          <label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="scopes" value="export" /> export</label>
        </div>
        {errors.scopes && <span className="error">{errors.scopes}</span>}
      </div>
      <div className="field">
        <label htmlFor="f-import_mode">Import mode</label>
        <select id="f-import_mode" name="import_mode" defaultValue="all">
          <option value="all">all files</option>
          <option value="new_only">new files only</option>
        </select>
      </div>
      <Field name="export_base_path" label="Export base path" errors={errors} placeholder="gantry/exports" hint="Where exports are written (relative, no leading '/')." />
      <details style={{ marginBottom: 12 }}>
        <summary>Advanced</summary>
        <div style={{ paddingTop: 12 }}>
          <Field name="endpoint" label="Endpoint" errors={errors}
            hint={provider === "azure" ? "Blob service URL (sovereign cloud or emulator)." : provider === "gcs" ? "JSON API endpoint (emulator)." : "S3-compatible endpoint (MinIO, R2, Wasabi, B2…)."} />
          {provider === "s3" && (
            <>
              <Field name="session_token" label="Session token" type="password" errors={errors} />
              <div className="field"><label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="force_path_style" /> Force path-style addressing</label></div>
            </>
          )}
          {provider === "azure" && (
            <>
              <Field name="account_key" label="Account key" type="password" errors={errors} />
              <Field name="sas_token" label="SAS token" type="password" errors={errors} />
            </>
          )}
        </div>
      </details>
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
      <button type="submit" disabled={pending}>{pending ? "Creating…" : "Create connector"}</button>
    </form>
  );
}
