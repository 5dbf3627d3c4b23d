"use client";

import { useActionState, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { checkSchemaAction, savePromptAction } from "./actions";

export type PromptInitial = {
  prompt_id?: string; name: string; description: string | null; prompt_text: string; json_schema: object;
  video_level: { instructions_text: string; included_segment_fields?: string[]; json_schema?: object } | null; is_active: boolean;
};

const EXAMPLE = { type: "object", properties: { summary: { type: "string" }, people: { type: "integer", minimum: 0 } }, required: ["summary"] };

/** Create or edit a prompt. The JSON-schema editor is checked as you type (same checks as the API). */
export function PromptEditor({ initial }: { initial?: PromptInitial }) {
  const [state, action, pending] = useActionState(savePromptAction, null);
  const [schema, setSchema] = useState(JSON.stringify(initial?.json_schema ?? EXAMPLE, null, 2));
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const router = useRouter();
  useEffect(() => {
    const t = setTimeout(async () => {
      const r = await checkSchemaAction(schema);
      if (r?.ok) setProblems(r.data as { field: string; message: string }[]);
    }, 300);
    return () => clearTimeout(t);
  }, [schema]);
  useEffect(() => {
    if (state?.ok && !initial?.prompt_id) router.push(`/prompts/${(state.data as { prompt_id: string }).prompt_id}`);
  }, [state, router, initial?.prompt_id]);
  const errors = state && !state.ok ? state.fields ?? {} : {};
  const vl = initial?.video_level;
  return (
    <form action={action} className="panel">
      <h2>{initial?.prompt_id ? "Edit prompt" : "New prompt"}</h2>
      {initial?.prompt_id && <input type="hidden" name="prompt_id" value={initial.prompt_id} />}
      <div className="row">
        <div className="field" style={{ flex: 1 }}><label htmlFor="p-name">Name</label><input id="p-name" name="name" defaultValue={initial?.name} required />{errors.name && <span className="error">{errors.name}</span>}</div>
        <div className="field" style={{ flex: 2 }}><label htmlFor="p-desc">Description</label><input id="p-desc" name="description" defaultValue={initial?.description ?? ""} /></div>
      </div>
      <div className="field"><label htmlFor="p-text">Prompt text</label>
        <textarea id="p-text" name="prompt_text" rows={3} defaultValue={initial?.prompt_text} required />{errors.prompt_text && <span className="error">{errors.prompt_text}</span>}
      </div>
      <div className="field"><label htmlFor="p-schema">Output JSON Schema (root <code>type: &quot;object&quot;</code>)</label>
        <textarea id="p-schema" name="json_schema" rows={10} className="mono" value={schema} onChange={(e) => setSchema(e.target.value)} spellCheck={false} aria-invalid={problems.length > 0} />
        <div data-testid="schema-status">
          {problems.length === 0
            ? <span className="badge ok">valid schema</span>
            : problems.map((p, i) => <div key={i} className="error">{p.field}: {p.message}</div>)}
        </div>
        {errors.json_schema && <span className="error">{errors.json_schema}</span>}
      </div>
      <details open={!!vl}>
        <summary>Video-level result (optional)</summary>
        <div className="field"><label htmlFor="p-vl">Instructions</label><textarea id="p-vl" name="video_level_instructions" rows={2} defaultValue={vl?.instructions_text ?? ""} /></div>
        <div className="field"><label htmlFor="p-vlf">Segment fields to include (comma-separated)</label><input id="p-vlf" name="video_level_fields" defaultValue={vl?.included_segment_fields?.join(", ") ?? ""} /></div>
        <div className="field"><label htmlFor="p-vls">Video-level JSON Schema</label>
          <textarea id="p-vls" name="video_level.json_schema" rows={4} className="mono" defaultValue={vl?.json_schema ? JSON.stringify(vl.json_schema, null, 2) : ""} spellCheck={false} />
          {Object.entries(errors).filter(([k]) => k.startsWith("video_level")).map(([k, m]) => <span key={k} className="error">{k}: {m}</span>)}
        </div>
      </details>
      <div className="actions" style={{ marginTop: 12 }}>
        <label className="actions" style={{ fontWeight: 400 }}><input type="checkbox" name="is_active" defaultChecked={initial?.is_active ?? true} /> active</label>
        <button type="submit" disabled={pending}>{pending ? "Saving…" : initial?.prompt_id ? "Save" : "Create prompt"}</button>
        {state?.ok && state.message && <span className="muted">{state.message}</span>}
      </div>
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
    </form>
  );
}
