import { handle } from "@/lib/api/handler";
import { createPromptOp, listPromptsOp } from "@/lib/api/operations/prompts";
import { createPrompt, listPrompts, toPromptDto } from "@/lib/prompts/prompts";

export const POST = handle(createPromptOp, async ({ workspaceId, body }) => ({ body: toPromptDto(await createPrompt(workspaceId, body)) }));

export const GET = handle(listPromptsOp, async ({ workspaceId, query }) => {
  const page = await listPrompts(workspaceId, query.limit, query.cursor);
  return { body: page.items.map(toPromptDto), nextCursor: page.nextCursor };
});
