import { handle } from "@/lib/api/handler";
import { listIndexPromptRunsOp } from "@/lib/api/operations/prompts";
import { pageBody } from "@/lib/api/pagination";
import { listIndexPromptRuns } from "@/lib/prompt-runs/prompt-runs";
import { toPromptRunDto } from "@/lib/prompt-runs/dto";

export const GET = handle(listIndexPromptRunsOp, async ({ workspaceId, params, query }) => {
  const page = await listIndexPromptRuns(workspaceId, params.index_id, query.limit, query.cursor);
  return { body: pageBody(page.items.map(toPromptRunDto), query.limit, page.nextCursor) };
});
