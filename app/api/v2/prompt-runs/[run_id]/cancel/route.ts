import { handle } from "@/lib/api/handler";
import { cancelPromptRunOp } from "@/lib/api/operations/prompts";
import { cancelPromptRun } from "@/lib/prompt-runs/prompt-runs";
import { toPromptRunDto } from "@/lib/prompt-runs/dto";

export const POST = handle(cancelPromptRunOp, async ({ workspaceId, params }) => ({ body: toPromptRunDto(await cancelPromptRun(workspaceId, params.run_id)) }));
