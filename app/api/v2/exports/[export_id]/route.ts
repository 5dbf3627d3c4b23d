import { handle } from "@/lib/api/handler";
import { getExportOp } from "@/lib/api/operations/exports";
import { getExport } from "@/lib/exports/create-export";
import { toExportDto } from "@/lib/exports/dto";

export const GET = handle(getExportOp, async ({ workspaceId, params }) => ({
  body: toExportDto(await getExport(workspaceId, params.export_id)),
}));
