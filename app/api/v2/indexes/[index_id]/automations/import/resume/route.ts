import { handle } from "@/lib/api/handler";
import { resumeImportAutomationOp } from "@/lib/api/operations/prompts";
import { resumeImportAutomation, toImportAutomationDto } from "@/lib/automations/import-automation";

export const POST = handle(resumeImportAutomationOp, async ({ workspaceId, params }) => ({
  body: toImportAutomationDto(await resumeImportAutomation(workspaceId, params.index_id)),
}));
