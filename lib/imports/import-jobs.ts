import type { z } from "zod";
import { db } from "@/lib/db";
import type { ImportItem, ImportSkip } from "@/lib/generated/prisma/client";
import { newId } from "@/lib/ids";
import { ApiError } from "@/lib/api/errors";
import { pageByIdDesc } from "@/lib/api/pagination";
import { enqueue, getBoss, wakeWorkers } from "@/lib/jobs/queue";
import { assertConnectorScope, assertConnectorUsable, getConnector } from "@/lib/connectors/connectors";
import { registerConnectorUsageCheck } from "@/lib/connectors/usage";
import { getIndex } from "@/lib/indexes/indexes";
import { ACTIVE_IMPORT_STATUSES, CreateImportJobBody, ListImportJobsQuery, TERMINAL_IMPORT_STATUSES } from "./schemas";
import { prefetchFirstPage, scanImportJob, startRunners, wakeRunners } from "./jobs";
import { refreshProgress } from "./progress";


export async function createImportJob(
  workspaceId: string,
  input: z.infer<typeof CreateImportJobBody>,
  extra: { automationId?: string } = {},
) {
  const connector = await getConnector(workspaceId, input.connector_id).catch((err) => {
    if (err instanceof ApiError && err.status === 404) {
      throw new ApiError("connector_not_found", err.message, { fields: [{ field: "connector_id", message: "no such connector" }] });
    }
    throw err;
  });
  assertConnectorUsable(connector);
  assertConnectorScope(connector, "import");
  await getIndex(workspaceId, input.index_id);
  if (input.source_prefix.startsWith("/")) throw ApiError.validation([{ field: "source_prefix", message: "must not start with '/'" }]);
  const id = newId("job");
  await getBoss(); // installs the queue schema once per process, outside the transaction below
  // The row and its first queue job commit together: no job without work, no work without a job.
  const created = await db.$transaction(async (tx) => {
    const row = await tx.importJob.create({
      data: {
        id, workspaceId, connectorId: connector.id, indexId: input.index_id, sourcePrefix: input.source_prefix,
        filePattern: input.file_pattern, recursive: input.recursive, importMode: input.import_mode_override ?? connector.importMode,
        automationId: extra.automationId ?? null,
      },
    });
    await enqueue(scanImportJob, { jobId: id }, { db: tx });
    return row;
  });
  prefetchFirstPage(created);
  wakeWorkers(scanImportJob); // committed: the scan can start now
  return getImportJob(workspaceId, id);
}

export async function getImportJob(workspaceId: string, jobId: string) {
  const job = await db.importJob.findFirst({ where: { id: jobId, workspaceId } });
  if (!job) throw ApiError.notFound("import_job_not_found", "import job", jobId);
  return job;
}

export async function listImportJobs(workspaceId: string, q: z.infer<typeof ListImportJobsQuery>) {
  return pageByIdDesc(q.limit, q.cursor, (take, beforeId) =>
    db.importJob.findMany({
      where: {
        workspaceId,
        ...(q.status ? { status: q.status } : {}),
        ...(q.index_id ? { indexId: q.index_id } : {}),
        ...(q.automation_only ? { automationId: { not: null } } : {}),
        ...(beforeId ? { id: { lt: beforeId } } : {}),
      },
      orderBy: { id: "desc" },
      take,
    }),
  );
}

/** Stops a running job: imported files stay, pending files are left as they are. */
export async function cancelImportJob(workspaceId: string, jobId: string) {
  const job = await getImportJob(workspaceId, jobId);
  const r = await db.importJob.updateMany({
    where: { id: job.id, status: { in: ACTIVE_IMPORT_STATUSES } },
    data: { status: "cancelled", completedAt: new Date(), currentFile: null },
  });
  if (r.count === 0) throw new ApiError("invalid_state_transition", `Import job ${jobId} is ${job.status}; only a pending, scanning or importing job can be cancelled.`);
  await refreshProgress(job.id);
  return getImportJob(workspaceId, jobId);
}

/** Re-runs only the failed files of a finished job. */
export async function retryImportJob(workspaceId: string, jobId: string) {
  const job = await getImportJob(workspaceId, jobId);
  if (!(TERMINAL_IMPORT_STATUSES as readonly string[]).includes(job.status) || job.status === "cancelled") {
    throw new ApiError("invalid_state_transition", `Import job ${jobId} is ${job.status}; only a completed or failed job can be retried.`);
  }
  const connector = await getConnector(workspaceId, job.connectorId);
  assertConnectorUsable(connector);
  const failed = await db.importItem.count({ where: { jobId, status: "failed" } });
  if (failed === 0 && job.listingDone) throw new ApiError("invalid_state_transition", `Import job ${jobId} has no failed files to retry.`);
  await getBoss();
  await db.$transaction(async (tx) => {
    // Guarded on the status read above: of two retries at once, the second finds the job running (409)
    // instead of queueing a second set of runners and scan.
    const reopened = await tx.importJob.updateMany({
      where: { id: jobId, status: job.status },
      // The runners start here, with the flag, not from the scan (runnersStarted).
      data: { status: job.listingDone ? "importing" : "scanning", completedAt: null, errorMessage: null, runnersStarted: true },
    });
    if (reopened.count !== 1) throw new ApiError("invalid_state_transition", `Import job ${jobId} is already being retried.`);
    await tx.importItem.updateMany({ where: { jobId, status: "failed" }, data: { status: "pending", reason: null, attempts: 0 } });
    await startRunners(job, tx);
    if (!job.listingDone) await enqueue(scanImportJob, { jobId }, { db: tx });
  });
  wakeRunners(); // committed: the runners (and the scan) can go on now
  if (!job.listingDone) wakeWorkers(scanImportJob);
  await refreshProgress(jobId);
  return getImportJob(workspaceId, jobId);
}

export async function listImportItems(workspaceId: string, jobId: string, q: { status?: string; limit: number; cursor?: string }) {
  await getImportJob(workspaceId, jobId);
  const { decodeCursor, encodeCursor } = await import("@/lib/api/pagination");
  const after = decodeCursor(q.cursor);
  // Items page oldest first (the order they were listed in): the job's import_items merged with the
  // files its listing skipped (import_skips; one id sequence for both), each read up to a page.
  const idAfter = after ? { id: { gt: after } } : {};
  const [listed, skips] = await Promise.all([
    db.importItem.findMany({ where: { jobId, ...(q.status ? { status: q.status } : {}), ...idAfter }, orderBy: { id: "asc" }, take: q.limit + 1 }),
    !q.status || q.status === "skipped" ? db.importSkip.findMany({ where: { jobId, ...idAfter }, orderBy: { id: "asc" }, take: q.limit + 1 }) : [],
  ]);
  const rows: ImportItem[] = [...listed, ...skips.map(skipAsItem)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, q.limit + 1);
  const hasMore = rows.length > q.limit;
  const items = hasMore ? rows.slice(0, q.limit) : rows;
  return { items, nextCursor: hasMore ? encodeCursor(items[items.length - 1].id) : null };
}

/** A file the listing skipped, as the item it is in the API (never attempted, unchanged since listed). */
function skipAsItem(k: ImportSkip): ImportItem {
  return {
    id: k.id, jobId: k.jobId, path: k.path, version: k.version, etag: null, sizeBytes: k.sizeBytes, status: "skipped", reason: k.reason,
    videoId: null, attempts: 0, claimedAt: null, createdAt: k.createdAt, updatedAt: k.createdAt,
  };
}

registerConnectorUsageCheck(async (workspaceId, connectorId) => {
  const jobs = await db.importJob.findMany({ where: { workspaceId, connectorId, status: { in: ACTIVE_IMPORT_STATUSES } }, select: { id: true }, take: 20 });
  return jobs.map((j) => j.id);
});
