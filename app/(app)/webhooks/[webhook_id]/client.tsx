"use client";

import { useActionState } from "react";
import { ConfirmButton } from "@/components/confirm-button";
import { deleteWebhookAction, retryDeliveryAction, rotateWebhookSecretAction, setWebhookStatusAction, testWebhookAction } from "../actions";
import { SecretShownOnce } from "../forms";

type TestResult = { success: boolean; status_code: number | null; error: string | null; delivery_id: string };

export function TestPanel({ webhookId }: { webhookId: string }) {
  const [state, action, pending] = useActionState(testWebhookAction, null);
  const result = state?.ok ? (state.data as TestResult) : null;
  return (
    <div className="panel">
      <div className="row" style={{ justifyContent: "space-between", alignItems: "center" }}>
        <div>
          <h2 style={{ margin: 0 }}>Send a test</h2>
          <p className="muted" style={{ margin: "4px 0 0" }}>Posts a signed <code>webhook.test</code> delivery now and shows the answer.</p>
        </div>
        <form action={action}>
          <input type="hidden" name="webhook_id" value={webhookId} />
          <button type="submit" disabled={pending}>{pending ? "Sending…" : "Send test"}</button>
        </form>
      </div>
      {state && !state.ok && <p className="form-error">{state.error}</p>}
      {result && (
        <p data-testid="webhook-test-result" style={{ marginTop: 12, marginBottom: 0 }}>
          <span className={`badge ${result.success ? "ok" : "bad"}`}>{result.success ? "success" : "failure"}</span>{" "}
          {result.status_code !== null && <>HTTP {result.status_code} </>}
          {result.error && <span className="form-error">{result.error}</span>}
        </p>
      )}
    </div>
  );
}

export function StatusButton({ webhookId, status }: { webhookId: string; status: string }) {
  const next = status === "active" ? "paused" : "active";
  return (
    <form action={setWebhookStatusAction}>
      <input type="hidden" name="webhook_id" value={webhookId} />
      <input type="hidden" name="status" value={next} />
      <button type="submit" className={status === "active" ? "secondary" : ""}>{status === "active" ? "Pause" : "Resume"}</button>
    </form>
  );
}

export function RetryButton({ deliveryId, label }: { deliveryId: string; label: string }) {
  const [state, action, pending] = useActionState(retryDeliveryAction, null);
  return (
    <form action={action}>
      <input type="hidden" name="delivery_id" value={deliveryId} />
      <button type="submit" className="secondary" disabled={pending}>{label}</button>
      {state && !state.ok && <div className="form-error">{state.error}</div>}
    </form>
  );
}

export function RotatePanel({ webhookId }: { webhookId: string }) {
  const [state, action, pending] = useActionState(rotateWebhookSecretAction, null);
  return (
    <form action={action} className="panel">
      <h2>Signing secret</h2>
      <p className="muted">Rotating replaces the secret at once: deliveries from now on are signed with the new one only.</p>
      <input type="hidden" name="webhook_id" value={webhookId} />
      <ConfirmButton label="Rotate secret…" confirmLabel="Confirm rotate" />
      {pending && <span className="muted"> Rotating…</span>}
      {state?.ok && <SecretShownOnce secret={(state.data as { secret: string }).secret} />}
      {state && !state.ok && <p className="form-error">{state.error}</p>}
    </form>
  );
}

export function DeletePanel({ webhookId }: { webhookId: string }) {
  const [state, action] = useActionState(deleteWebhookAction, null);
  return (
    <form action={action} className="panel">
      <h2>Delete webhook</h2>
      <p className="muted">Stops all deliveries and removes their history.</p>
      <input type="hidden" name="webhook_id" value={webhookId} />
      <ConfirmButton label="Delete…" confirmLabel="Confirm delete" />
      {state && !state.ok && <p className="form-error">{state.error}</p>}
    </form>
  );
}
