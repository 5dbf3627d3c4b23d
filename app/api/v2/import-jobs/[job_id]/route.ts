import { handle } from "@/lib/api/handler";
import { getImportJobOp } from "@/lib/api/operations/imports";
import { getImportJob } from "@/lib/imports/import-jobs";
import { toImportJobDto } from "@/lib/imports/dto";

export const GET = handle(getImportJobOp, async ({ workspaceId, params }) => ({
  body: await toImportJobDto(await getImportJob(workspaceId, params.job_id)),
}));
