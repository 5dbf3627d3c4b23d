import { handle } from "@/lib/api/handler";
import { listRunResultsOp } from "@/lib/api/operations/prompts";
import { pageBody } from "@/lib/api/pagination";
import { listRunResults } from "@/lib/prompt-runs/prompt-runs";
import { toRunResultDto } from "@/lib/prompt-runs/dto";

export const GET = handle(listRunResultsOp, async ({ workspaceId, params, query }) => {
  const page = await listRunResults(workspaceId, params.run_id, query);
  return { body: pageBody(page.items.map(toRunResultDto), query.limit, page.nextCursor) };
});
