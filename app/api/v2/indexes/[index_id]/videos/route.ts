import { handle } from "@/lib/api/handler";
import { listIndexVideosOp } from "@/lib/api/operations/imports";
import { pageBody } from "@/lib/api/pagination";
import { getIndex } from "@/lib/indexes/indexes";
import { listIndexVideos, toVideoDto } from "@/lib/videos/videos";

export const GET = handle(listIndexVideosOp, async ({ workspaceId, params, query }) => {
  await getIndex(workspaceId, params.index_id);
  const page = await listIndexVideos(workspaceId, params.index_id, query.limit, query.cursor);
  return { body: pageBody(page.items.map(toVideoDto), query.limit, page.nextCursor) };
});
