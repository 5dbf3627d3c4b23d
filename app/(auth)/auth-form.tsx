"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/authed-action";

type Field = { name: string; label: string; type: string; autoComplete?: string; hint?: string };

export function AuthForm(props: {
  action: (prev: ActionState, fd: FormData) => Promise<ActionState>;
  fields: Field[];
  submit: string;
}) {
  const [state, formAction, pending] = useActionState(props.action, null);
  const fieldErrors = state && !state.ok ? state.fields ?? {} : {};
  return (
    <form action={formAction}>
      {props.fields.map((f) => (
        <div className="field" key={f.name}>
          <label htmlFor={f.name}>{f.label}</label>
          <input id={f.name} name={f.name} type={f.type} autoComplete={f.autoComplete} required={f.name !== "name"} />
          {f.hint && <span className="hint">{f.hint}</span>}
          {fieldErrors[f.name] && <span className="error">{fieldErrors[f.name]}</span>}
        </div>
      ))}
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
      <button type="submit" disabled={pending}>{pending ? "Please wait…" : props.submit}</button>
    </form>
  );
}
