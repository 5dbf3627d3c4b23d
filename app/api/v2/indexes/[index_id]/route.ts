import { handle } from "@/lib/api/handler";
import { deleteIndexOp, getIndexOp, updateIndexOp } from "@/lib/api/operations/indexes";
import { deleteIndex, getIndex, toIndexDto, updateIndex } from "@/lib/indexes/indexes";

export const GET = handle(getIndexOp, async ({ workspaceId, params }) => ({
  body: toIndexDto(await getIndex(workspaceId, params.index_id)),
}));

export const PATCH = handle(updateIndexOp, async ({ workspaceId, params, body }) => ({
  body: toIndexDto(await updateIndex(workspaceId, params.index_id, body)),
}));

export const DELETE = handle(deleteIndexOp, async ({ workspaceId, params }) => {
  await deleteIndex(workspaceId, params.index_id);
  return { body: { message: `Index ${params.index_id} deleted.` } };
});
