import { handle } from "@/lib/api/handler";
import { listExportsOp } from "@/lib/api/operations/exports";
import { listExports } from "@/lib/exports/create-export";
import { toExportDto } from "@/lib/exports/dto";

export const GET = handle(listExportsOp, async ({ workspaceId, query }) => {
  const page = await listExports(workspaceId, query.limit, query.cursor);
  return { body: page.items.map(toExportDto), nextCursor: page.nextCursor };
});
