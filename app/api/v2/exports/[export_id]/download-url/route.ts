import { handle } from "@/lib/api/handler";
import { createDownloadUrlOp } from "@/lib/api/operations/exports";
import { getExport } from "@/lib/exports/create-export";
import { toDownloadUrlDto } from "@/lib/exports/dto";
import { publicOrigin, signedDownloadUrl } from "@/lib/exports/download";

export const POST = handle(createDownloadUrlOp, async ({ req, workspaceId, params }) => {
  const e = await getExport(workspaceId, params.export_id);
  return { body: toDownloadUrlDto(e, signedDownloadUrl(e, publicOrigin(req))) };
});
