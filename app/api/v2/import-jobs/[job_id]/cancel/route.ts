import { handle } from "@/lib/api/handler";
import { cancelImportJobOp } from "@/lib/api/operations/imports";
import { cancelImportJob } from "@/lib/imports/import-jobs";
import { toImportJobDto } from "@/lib/imports/dto";

export const POST = handle(cancelImportJobOp, async ({ workspaceId, params }) => ({
  body: await toImportJobDto(await cancelImportJob(workspaceId, params.job_id)),
}));
