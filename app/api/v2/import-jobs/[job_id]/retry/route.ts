import { handle } from "@/lib/api/handler";
import { retryImportJobOp } from "@/lib/api/operations/imports";
import { retryImportJob } from "@/lib/imports/import-jobs";
import { toImportJobDto } from "@/lib/imports/dto";

export const POST = handle(retryImportJobOp, async ({ workspaceId, params }) => ({
  body: await toImportJobDto(await retryImportJob(workspaceId, params.job_id)),
}));
