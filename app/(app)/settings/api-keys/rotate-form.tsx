"use client";

import { useActionState } from "react";
import { rotateApiKeyAction } from "./actions";
import { ShownOnce } from "./new-key-form";

export function RotateForm({ keyId }: { keyId: string }) {
  const [state, action, pending] = useActionState(rotateApiKeyAction, null);
  return (
    <form action={action}>
      <input type="hidden" name="key_id" value={keyId} />
      <button type="submit" className="secondary" disabled={pending}>Rotate</button>
      {state?.ok && <ShownOnce keyText={(state.data as { key: string }).key} />}
      {state && !state.ok && <span className="form-error">{state.error}</span>}
    </form>
  );
}
