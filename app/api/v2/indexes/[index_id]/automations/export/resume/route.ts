import { handle } from "@/lib/api/handler";
import { resumeExportAutomationOp } from "@/lib/api/operations/exports";
import { setExportAutomationPaused, toExportAutomationDto } from "@/lib/automations/export-automation";

export const POST = handle(resumeExportAutomationOp, async ({ workspaceId, params }) => ({
  body: toExportAutomationDto(await setExportAutomationPaused(workspaceId, params.index_id, false)),
}));
