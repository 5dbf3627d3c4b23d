import { handle } from "@/lib/api/handler";
import { deletePromptOp, getPromptOp, replacePromptOp } from "@/lib/api/operations/prompts";
import { deletePrompt, getPrompt, replacePrompt, toPromptDto } from "@/lib/prompts/prompts";

export const GET = handle(getPromptOp, async ({ workspaceId, params }) => ({ body: toPromptDto(await getPrompt(workspaceId, params.prompt_id)) }));

export const PUT = handle(replacePromptOp, async ({ workspaceId, params, body }) => ({
  body: toPromptDto(await replacePrompt(workspaceId, params.prompt_id, body)),
}));

export const DELETE = handle(deletePromptOp, async ({ workspaceId, params }) => {
  await deletePrompt(workspaceId, params.prompt_id);
  return { body: { message: `Prompt ${params.prompt_id} deleted.` } };
});
