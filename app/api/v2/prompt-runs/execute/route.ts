import { handle } from "@/lib/api/handler";
import { executePromptRunOp } from "@/lib/api/operations/prompts";
import { executePromptRun } from "@/lib/prompt-runs/prompt-runs";
import { toPromptRunDto } from "@/lib/prompt-runs/dto";

export const POST = handle(executePromptRunOp, async ({ workspaceId, body }) => ({ body: toPromptRunDto(await executePromptRun(workspaceId, body)) }));
