import { handle } from "@/lib/api/handler";
import { deleteVideoOp, getVideoOp } from "@/lib/api/operations/imports";
import { deleteVideo, getVideo, toVideoDto } from "@/lib/videos/videos";

export const GET = handle(getVideoOp, async ({ workspaceId, params }) => ({ body: toVideoDto(await getVideo(workspaceId, params.video_id)) }));

export const DELETE = handle(deleteVideoOp, async ({ workspaceId, params }) => {
  await deleteVideo(workspaceId, params.video_id);
  return { body: { message: `Video ${params.video_id} deleted.` } };
});
