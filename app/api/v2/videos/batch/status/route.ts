import { handle } from "@/lib/api/handler";
import { batchVideoStatusOp } from "@/lib/api/operations/imports";
import { batchVideoStatus } from "@/lib/videos/videos";

export const POST = handle(batchVideoStatusOp, async ({ workspaceId, body }) => ({ body: await batchVideoStatus(workspaceId, body.video_ids) }));
