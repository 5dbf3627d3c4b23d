"use client";

import { useActionState, useEffect } from "react";
import { useRouter } from "next/navigation";
import Link from "next/link";
import { executeRunAction } from "../../prompts/actions";

/** Start a prompt run over the whole index. */
export function RunPromptForm({ indexId, prompts, models }: { indexId: string; prompts: { id: string; name: string }[]; models: string[] }) {
  const [state, action, pending] = useActionState(executeRunAction, null);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.push(`/prompt-runs/${(state.data as { run_id: string }).run_id}`);
  }, [state, router]);
  if (prompts.length === 0) return <p className="muted">No prompts yet. <Link href="/prompts">Create one</Link> to run it over this index.</p>;
  const errors = state && !state.ok ? state.fields ?? {} : {};
  return (
    <form action={action}>
      <input type="hidden" name="index_id" value={indexId} />
      <div className="row">
        <div className="field"><label htmlFor="r-prompt">Prompt</label>
          <select id="r-prompt" name="prompt_id">{prompts.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}</select>
        </div>
        <div className="field"><label htmlFor="r-model">Engine</label>
          <select id="r-model" name="processing_model">{models.map((m) => <option key={m} value={m}>{m}</option>)}</select>
          {errors.processing_model && <span className="error">{errors.processing_model}</span>}
        </div>
        <div className="field"><label htmlFor="r-seg">Segment (s)</label><input id="r-seg" name="video_segment_duration" type="number" min={1} max={3600} defaultValue={10} />
          {errors.video_segment_duration && <span className="error">{errors.video_segment_duration}</span>}</div>
        <div className="field"><button type="submit" disabled={pending}>{pending ? "Starting…" : "Run over all videos"}</button></div>
      </div>
      {state && !state.ok && <p className="form-error" role="alert">{state.error}</p>}
    </form>
  );
}
