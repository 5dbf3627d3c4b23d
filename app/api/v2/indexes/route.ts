import { handle } from "@/lib/api/handler";
import { createIndexOp, listIndexesOp } from "@/lib/api/operations/indexes";
import { createIndex, listIndexes, toIndexDto } from "@/lib/indexes/indexes";

export const POST = handle(createIndexOp, async ({ workspaceId, body }) => ({
  body: toIndexDto(await createIndex(workspaceId, body)),
}));

export const GET = handle(listIndexesOp, async ({ workspaceId, query }) => {
  const page = await listIndexes(workspaceId, query.limit, query.cursor);
  return { body: page.items.map(toIndexDto), nextCursor: page.nextCursor };
});
