import { handle } from "@/lib/api/handler";
import { listImportItemsOp } from "@/lib/api/operations/imports";
import { pageBody } from "@/lib/api/pagination";
import { listImportItems } from "@/lib/imports/import-jobs";
import { toImportItemDto } from "@/lib/imports/dto";

export const GET = handle(listImportItemsOp, async ({ workspaceId, params, query }) => {
  const page = await listImportItems(workspaceId, params.job_id, query);
  return { body: pageBody(page.items.map(toImportItemDto), query.limit, page.nextCursor) };
});
