import { handle } from "@/lib/api/handler";
import { createImportJobOp, listImportJobsOp } from "@/lib/api/operations/imports";
import { createImportJob, listImportJobs } from "@/lib/imports/import-jobs";
import { toImportJobDto, toImportJobDtos } from "@/lib/imports/dto";

export const POST = handle(createImportJobOp, async ({ workspaceId, body }) => ({
  body: await toImportJobDto(await createImportJob(workspaceId, body)),
}));

export const GET = handle(listImportJobsOp, async ({ workspaceId, query }) => {
  const page = await listImportJobs(workspaceId, query);
  return { body: await toImportJobDtos(page.items), nextCursor: page.nextCursor };
});
