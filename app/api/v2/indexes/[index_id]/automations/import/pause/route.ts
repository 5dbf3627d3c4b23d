import { handle } from "@/lib/api/handler";
import { pauseImportAutomationOp } from "@/lib/api/operations/prompts";
import { pauseImportAutomation, toImportAutomationDto } from "@/lib/automations/import-automation";

export const POST = handle(pauseImportAutomationOp, async ({ workspaceId, params }) => ({
  body: toImportAutomationDto(await pauseImportAutomation(workspaceId, params.index_id)),
}));
