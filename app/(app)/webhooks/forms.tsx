"use client";

import { useActionState, useState } from "react";
import Link from "next/link";
import { ShownOnce } from "@/components/shown-once";
import { createWebhookAction, updateWebhookAction } from "./actions";

export type EventOption = { type: string; description: string };
export type IndexOption = { index_id: string; name: string };
type Initial = { name: string; url: string; events: string[]; index_ids: string[] | null };

/** Name, URL, the events picker (grouped by resource) and the optional index filter. */
function SubscriptionFields(props: { idPrefix: string; events: EventOption[]; indexes: IndexOption[]; initial?: Initial; errors: Record<string, string> }) {
  const { idPrefix: p, errors, initial } = props;
  const [scope, setScope] = useState<"all" | "some">(initial?.index_ids ? "some" : "all");
  const groups = new Map<string, EventOption[]>();
  for (const e of props.events) {
    const g = e.type.split(".")[0];
    groups.set(g, [...(groups.get(g) ?? []), e]);
  }
  const fieldError = (prefix: string) => Object.entries(errors).find(([k]) => k === prefix || k.startsWith(`${prefix}.`))?.[1];
  return (
    <>
      <div className="row">
        <div className="field" style={{ minWidth: 220 }}>
          <label htmlFor={`${p}-name`}>Name</label>
          <input id={`${p}-name`} name="name" type="text" required maxLength={100} defaultValue={initial?.name} placeholder="Orders service" />
          {errors.name && <span className="error">{errors.name}</span>}
        </div>
        <div className="field" style={{ flex: 1, minWidth: 320 }}>
          <label htmlFor={`${p}-url`}>URL</label>
          <input id={`${p}-url`} name="url" type="url" required maxLength={2048} defaultValue={initial?.url} placeholder="https://example.com/hooks/gantry" />
          {errors.url && <span className="error">{errors.url}</span>}
        </div>
      </div>
      <div className="field">
        <label>Events</label>
        <div className="event-groups">
          {[...groups.entries()].map(([group, list]) => (
            <fieldset key={group} className="event-group">
              <legend>{group}</legend>
              {list.map((e) => (
                <label key={e.type} title={e.description} className="check">
                  <input type="checkbox" name="events" value={e.type} defaultChecked={initial?.events.includes(e.type)} />
                  <code>{e.type.slice(group.length + 1)}</code>
                </label>
              ))}
            </fieldset>
          ))}
        </div>
        {fieldError("events") && <span className="error">{fieldError("events")}</span>}
      </div>
      <div className="field">
        <label>Indexes</label>
        <div className="actions">
          <label className="check"><input type="radio" name="index_scope" value="all" checked={scope === "all"} onChange={() => setScope("all")} /> All indexes (and events without one)</label>
          <label className="check"><input type="radio" name="index_scope" value="some" checked={scope === "some"} onChange={() => setScope("some")} disabled={!props.indexes.length} /> Only these indexes</label>
        </div>
        {scope === "some" && (
          <div className="actions" style={{ flexWrap: "wrap", marginTop: 6 }}>
            {props.indexes.map((i) => (
              <label key={i.index_id} className="check">
                <input type="checkbox" name="index_ids" value={i.index_id} defaultChecked={initial?.index_ids?.includes(i.index_id)} /> {i.name}
              </label>
            ))}
          </div>
        )}
        {fieldError("index_ids") && <span className="error">{fieldError("index_ids")}</span>}
      </div>
    </>
  );
}

export function NewWebhookForm({ events, indexes }: { events: EventOption[]; indexes: IndexOption[] }) {
  const [state, action, pending] = useActionState(createWebhookAction, null);
  const errors = state && !state.ok ? state.fields ?? {} : {};
  const created = state?.ok ? (state.data as { webhook_id: string; secret: string }) : null;
  return (
    <div className="panel">
      <h2>New webhook</h2>
      <form action={action}>
        {/* remounted after each creation, so the index choice resets with the form */}
        <SubscriptionFields key={created?.webhook_id ?? "new"} idPrefix="wh" events={events} indexes={indexes} errors={errors} />
        {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
        <button type="submit" disabled={pending}>{pending ? "Creating…" : "Create webhook"}</button>
      </form>
      {created && (
        <div data-testid="webhook-created">
          <SecretShownOnce secret={created.secret} />
          <p><Link href={`/webhooks/${created.webhook_id}`}>Open the webhook →</Link></p>
        </div>
      )}
    </div>
  );
}

export function EditWebhookForm(props: { webhookId: string; events: EventOption[]; indexes: IndexOption[]; initial: Initial }) {
  const [state, action, pending] = useActionState(updateWebhookAction, null);
  const errors = state && !state.ok ? state.fields ?? {} : {};
  return (
    <form action={action} className="panel">
      <h2>Settings</h2>
      <input type="hidden" name="webhook_id" value={props.webhookId} />
      <SubscriptionFields idPrefix="e" events={props.events} indexes={props.indexes} initial={props.initial} errors={errors} />
      {state && !state.ok && <p className="form-error">{state.error}</p>}
      {state?.ok && <p className="notice">{state.message}</p>}
      <button type="submit" disabled={pending}>Save</button>
    </form>
  );
}

export function SecretShownOnce({ secret }: { secret: string }) {
  return (
    <ShownOnce text={secret} testId="webhook-secret">
      Copy this signing secret now: it is shown only once. Verify each delivery by computing the HMAC-SHA256 of the raw
      request body with it and comparing with <code>X-Webhook-Signature</code>.
    </ShownOnce>
  );
}
