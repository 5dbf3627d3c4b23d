import { db, type Tx } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ApiError } from "@/lib/api/errors";
import { pageByIdDesc } from "@/lib/api/pagination";
import { enqueue, getBoss } from "@/lib/jobs/queue";
import { getIndex } from "@/lib/indexes/indexes";
import type { ExportFormat } from "./schemas";
import { resolveDestination, type ResolvedDestination } from "./destination";
import { exportSettings } from "./settings";
import { runExportJob } from "./run-export";

export type NewExport = {
  workspaceId: string;
  indexId: string;
  exportType: "index" | "prompt_run";
  targetId: string;
  runIds: string[] | null;
  format: ExportFormat;
  destination: ResolvedDestination;
  automationId?: string;
  promptRunId?: string;
};

/**
 * Writes the export row and its first queue job in the caller's transaction. With an automation the
 * row is inserted with ON CONFLICT DO NOTHING on (automation_id, prompt_run_id): a second call for the
 * same finished run inserts nothing and enqueues nothing. Returns the new id, or null when it existed.
 * The queue schema must be installed (getBoss()) before the transaction starts.
 */
export async function insertExport(tx: Tx, x: NewExport): Promise<string | null> {
  const id = newId("exp");
  // Settings are snapshotted on the row, so every worker process applies the same ones.
  const settings = exportSettings();
  const inserted = await tx.export.createMany({
    data: [{
      id, workspaceId: x.workspaceId, indexId: x.indexId, exportType: x.exportType, targetId: x.targetId,
      promptRunIds: x.runIds ?? [], promptRunIdsSet: x.runIds !== null, format: x.format, maxAttempts: settings.maxAttempts,
      maxBytes: BigInt(settings.maxBytes), retryDelaySeconds: settings.retryDelaySeconds,
      destinationType: x.destination.type, destinationConnectorId: x.destination.connectorId,
      destinationBasePath: x.destination.basePath, destinationSubpath: x.destination.subpath,
      automationId: x.automationId ?? null, promptRunId: x.promptRunId ?? null,
    }],
    skipDuplicates: true,
  });
  if (inserted.count === 0) return null;
  const jobId = await enqueue(runExportJob, { exportId: id }, { db: tx });
  await tx.export.update({ where: { id }, data: { queueJobId: jobId } });
  return id;
}

type CreateInput = { destination_connector_id?: string | null; destination_subpath?: string | null; format: ExportFormat };

export async function createIndexExport(workspaceId: string, indexId: string, input: CreateInput & { prompt_run_ids?: string[] }) {
  await getIndex(workspaceId, indexId);
  let runIds: string[] | null = null;
  if (input.prompt_run_ids) {
    runIds = [...new Set(input.prompt_run_ids)];
    const found = await db.promptRun.findMany({ where: { workspaceId, indexId, id: { in: runIds } }, select: { id: true } });
    const known = new Set(found.map((r) => r.id));
    const bad = input.prompt_run_ids.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
    if (bad.length) {
      throw ApiError.validation(bad.map(({ id, i }) => ({ field: `prompt_run_ids.${i}`, message: `no prompt run ${id} in this index` })));
    }
  }
  const destination = await resolveDestination(workspaceId, input);
  return create({ workspaceId, indexId, exportType: "index", targetId: indexId, runIds, format: input.format, destination });
}

export async function createRunExport(workspaceId: string, runId: string, input: CreateInput) {
  const run = await db.promptRun.findFirst({ where: { id: runId, workspaceId }, select: { id: true, indexId: true } });
  if (!run) throw ApiError.notFound("prompt_run_not_found", "prompt run", runId);
  const destination = await resolveDestination(workspaceId, input);
  return create({ workspaceId, indexId: run.indexId, exportType: "prompt_run", targetId: run.id, runIds: [run.id], format: input.format, destination });
}

async function create(x: NewExport) {
  await getBoss(); // installs the queue schema before the transaction that enqueues
  const id = await db.$transaction((tx) => insertExport(tx, x));
  return getExport(x.workspaceId, id!);
}

export async function getExport(workspaceId: string, exportId: string) {
  const row = await db.export.findFirst({ where: { id: exportId, workspaceId } });
  if (!row) throw ApiError.notFound("export_not_found", "export", exportId);
  return row;
}

export async function listExports(workspaceId: string, limit: number, cursor?: string) {
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.export.findMany({ where: { workspaceId, ...(beforeId ? { id: { lt: beforeId } } : {}) }, orderBy: { id: "desc" }, take }),
  );
}
