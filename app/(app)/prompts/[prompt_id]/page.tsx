import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/authed-action";
import { ApiError } from "@/lib/api/errors";
import { getPrompt, toPromptDto } from "@/lib/prompts/prompts";
import { ConfirmButton } from "@/components/confirm-button";
import { PromptEditor } from "../prompt-editor";
import { deletePromptAction } from "../actions";

export const dynamic = "force-dynamic";

export default async function PromptPage({ params }: { params: Promise<{ prompt_id: string }> }) {
  const p = await requireSession();
  const { prompt_id } = await params;
  let prompt;
  try {
    prompt = toPromptDto(await getPrompt(p.workspaceId, prompt_id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  return (
    <>
      <p><Link href="/prompts">← Prompts</Link></p>
      <h1>{prompt.name} <span className="mono muted" style={{ fontSize: 14 }}>{prompt.prompt_id}</span></h1>
      <PromptEditor initial={prompt} />
      <form action={deletePromptAction} className="panel">
        <input type="hidden" name="prompt_id" value={prompt.prompt_id} />
        <p className="muted">Runs already made keep the prompt as it was when they started.</p>
        <ConfirmButton label="Delete prompt" confirmLabel="Yes, delete this prompt" />
      </form>
    </>
  );
}
