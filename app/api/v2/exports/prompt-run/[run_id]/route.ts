import { handle } from "@/lib/api/handler";
import { createRunExportOp } from "@/lib/api/operations/exports";
import { createRunExport } from "@/lib/exports/create-export";

export const POST = handle(createRunExportOp, async ({ workspaceId, params, body }) => {
  const e = await createRunExport(workspaceId, params.run_id, body);
  return { body: { export_id: e.id, status: e.status } };
});
