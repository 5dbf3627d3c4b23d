import { handle } from "@/lib/api/handler";
import { downloadExportOp } from "@/lib/api/operations/exports";
import { getExport } from "@/lib/exports/create-export";
import { signedDownload, streamExportResponse } from "@/lib/exports/download";

const authenticated = handle(downloadExportOp, async ({ workspaceId, params }) => streamExportResponse(await getExport(workspaceId, params.export_id)));

type Ctx = { params: Promise<Record<string, string | string[]>> };

// With ?token= the signed token is the whole credential; without it, the usual API key or session.
export const GET = async (req: Request, ctx: Ctx): Promise<Response> => {
  const token = new URL(req.url).searchParams.get("token");
  if (token === null) return authenticated(req, ctx);
  const { export_id } = await ctx.params;
  return signedDownload(String(export_id), token);
};
