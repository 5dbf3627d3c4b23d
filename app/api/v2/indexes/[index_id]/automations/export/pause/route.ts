import { handle } from "@/lib/api/handler";
import { pauseExportAutomationOp } from "@/lib/api/operations/exports";
import { setExportAutomationPaused, toExportAutomationDto } from "@/lib/automations/export-automation";

export const POST = handle(pauseExportAutomationOp, async ({ workspaceId, params }) => ({
  body: toExportAutomationDto(await setExportAutomationPaused(workspaceId, params.index_id, true)),
}));
