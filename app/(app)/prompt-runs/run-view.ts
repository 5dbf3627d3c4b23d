import { db } from "@/lib/db";
import { listRunResults } from "@/lib/prompt-runs/prompt-runs";
import { toRunResultDto, type toPromptRunDto } from "@/lib/prompt-runs/dto";

// Not in a "use server" module on purpose: every export of such a module is a callable action, and
// this one takes a workspace id (callers pass the signed-in user's).
/** What the run page shows: the run, its first 50 results, and the titles of their videos. */
export async function runView(workspaceId: string, runId: string, run: ReturnType<typeof toPromptRunDto>) {
  const results = await listRunResults(workspaceId, runId, { limit: 50 });
  const videos = await db.video.findMany({ where: { workspaceId, id: { in: results.items.map((r) => r.videoId) } }, select: { id: true, title: true, sourcePath: true } });
  const titles = Object.fromEntries(videos.map((v) => [v.id, { title: v.title, path: v.sourcePath }]));
  return { run, results: results.items.map(toRunResultDto), more: results.nextCursor !== null, titles };
}

