import { handle } from "@/lib/api/handler";
import { createIndexExportOp } from "@/lib/api/operations/exports";
import { createIndexExport } from "@/lib/exports/create-export";

export const POST = handle(createIndexExportOp, async ({ workspaceId, params, body }) => {
  const e = await createIndexExport(workspaceId, params.index_id, body);
  return { body: { export_id: e.id, status: e.status } };
});
