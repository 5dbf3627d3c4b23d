import { handle } from "@/lib/api/handler";
import { deleteExportAutomationOp, getExportAutomationOp, putExportAutomationOp } from "@/lib/api/operations/exports";
import {
  deleteExportAutomation, getExportAutomation, putExportAutomation, toExportAutomationDto,
} from "@/lib/automations/export-automation";

export const GET = handle(getExportAutomationOp, async ({ workspaceId, params }) => ({
  body: toExportAutomationDto(await getExportAutomation(workspaceId, params.index_id)),
}));

export const PUT = handle(putExportAutomationOp, async ({ workspaceId, params, body }) => ({
  body: toExportAutomationDto(await putExportAutomation(workspaceId, params.index_id, body)),
}));

export const DELETE = handle(deleteExportAutomationOp, async ({ workspaceId, params }) => {
  await deleteExportAutomation(workspaceId, params.index_id);
  return { body: { message: `Export automation of index ${params.index_id} deleted.` } };
});
