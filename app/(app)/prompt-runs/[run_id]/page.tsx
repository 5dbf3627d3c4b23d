import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/authed-action";
import { ApiError } from "@/lib/api/errors";
import { getPromptRun } from "@/lib/prompt-runs/prompt-runs";
import { toPromptRunDto } from "@/lib/prompt-runs/dto";
import { runView } from "../run-view";
import { db } from "@/lib/db";
import { LiveRun } from "./live-run";

export const dynamic = "force-dynamic";

export default async function PromptRunPage({ params }: { params: Promise<{ run_id: string }> }) {
  const p = await requireSession();
  const { run_id } = await params;
  let run;
  try {
    run = toPromptRunDto(await getPromptRun(p.workspaceId, run_id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  const view = await runView(p.workspaceId, run_id, run);
  const prompt = await db.prompt.findFirst({ where: { id: run.prompt_id, workspaceId: p.workspaceId }, select: { name: true } });
  return (
    <>
      <p><Link href={`/indexes/${run.index_id}`}>← Index</Link></p>
      <LiveRun initial={view} promptName={prompt?.name ?? run.prompt_id} />
    </>
  );
}
