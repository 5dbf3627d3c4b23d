import { handle } from "@/lib/api/handler";
import { deleteImportAutomationOp, getImportAutomationOp, putImportAutomationOp } from "@/lib/api/operations/prompts";
import { deleteImportAutomation, getImportAutomation, putImportAutomation, toImportAutomationDto } from "@/lib/automations/import-automation";

export const GET = handle(getImportAutomationOp, async ({ workspaceId, params }) => ({
  body: toImportAutomationDto(await getImportAutomation(workspaceId, params.index_id)),
}));

export const PUT = handle(putImportAutomationOp, async ({ workspaceId, params, body }) => ({
  body: toImportAutomationDto(await putImportAutomation(workspaceId, params.index_id, body)),
}));

export const DELETE = handle(deleteImportAutomationOp, async ({ workspaceId, params }) => {
  await deleteImportAutomation(workspaceId, params.index_id);
  return { body: { message: `Import automation of index ${params.index_id} deleted.` } };
});
