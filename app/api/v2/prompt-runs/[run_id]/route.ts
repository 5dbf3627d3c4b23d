import { handle } from "@/lib/api/handler";
import { getPromptRunOp } from "@/lib/api/operations/prompts";
import { getPromptRun } from "@/lib/prompt-runs/prompt-runs";
import { toPromptRunDto } from "@/lib/prompt-runs/dto";

export const GET = handle(getPromptRunOp, async ({ workspaceId, params }) => ({ body: toPromptRunDto(await getPromptRun(workspaceId, params.run_id)) }));
