"use server";

import { revalidatePath } from "next/cache";
import { authedAction } from "@/lib/auth/authed-action";
import { parseWith } from "@/lib/api/body";
import { browseConnector } from "@/lib/connectors/browse";
import { BrowseBody } from "@/lib/connectors/schemas";
import { cancelImportJob, createImportJob, getImportJob, retryImportJob } from "@/lib/imports/import-jobs";
import { toImportJobDto } from "@/lib/imports/dto";
import { CreateImportJobBody } from "@/lib/imports/schemas";

function importBody(fd: FormData) {
  const mode = fd.get("import_mode");
  return parseWith(CreateImportJobBody, {
    connector_id: String(fd.get("connector_id") ?? ""),
    index_id: String(fd.get("index_id") ?? ""),
    source_prefix: String(fd.get("source_prefix") ?? ""),
    file_pattern: String(fd.get("file_pattern") || "*"),
    recursive: fd.get("recursive") === "on",
    import_mode_override: mode === "all" || mode === "new_only" ? mode : undefined,
  });
}

const preview = authedAction({ scope: "read", action: "connectors.browse", targetType: "connector", costly: true, audit: false }, async (p, fd: FormData) => {
  const b = importBody(fd);
  const r = await browseConnector(p.workspaceId, b.connector_id, parseWith(BrowseBody, { prefix: b.source_prefix, pattern: b.file_pattern, recursive: b.recursive, limit: 50 }));
  return { data: { files: r.entries.map((e) => ({ path: e.path, size: e.size_bytes })), more: !!r.nextCursor } };
});
export async function previewImportAction(fd: FormData) {
  return preview(fd);
}

const start = authedAction({ scope: "write", action: "import_jobs.create", targetType: "import_job", costly: true }, async (p, fd: FormData) => {
  const job = await createImportJob(p.workspaceId, importBody(fd));
  revalidatePath(`/indexes/${job.indexId}`);
  return { data: { job_id: job.id }, targetId: job.id };
});
export async function startImportAction(_prev: unknown, fd: FormData) {
  return start(fd);
}

const status = authedAction({ scope: "read", action: "import_jobs.get", targetType: "import_job", audit: false }, async (p, jobId: string) => ({
  data: await toImportJobDto(await getImportJob(p.workspaceId, jobId)),
}));
export async function importJobStatusAction(jobId: string) {
  return status(jobId);
}

const cancel = authedAction({ scope: "write", action: "import_jobs.cancel", targetType: "import_job" }, async (p, jobId: string) => ({
  data: await toImportJobDto(await cancelImportJob(p.workspaceId, jobId)), targetId: jobId,
}));
export async function cancelImportAction(jobId: string) {
  return cancel(jobId);
}

const retry = authedAction({ scope: "write", action: "import_jobs.retry", targetType: "import_job" }, async (p, jobId: string) => ({
  data: await toImportJobDto(await retryImportJob(p.workspaceId, jobId)), targetId: jobId,
}));
export async function retryImportAction(jobId: string) {
  return retry(jobId);
}
