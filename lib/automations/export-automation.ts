import type { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { newId } from "@/lib/ids";
import { iso } from "@/lib/api/serialize";
import { ApiError } from "@/lib/api/errors";
import { logger } from "@/lib/logger";
import { getIndex } from "@/lib/indexes/indexes";
import { registerConnectorUsageCheck } from "@/lib/connectors/usage";
import { onPromptRunFinished, type FinishedPromptRun } from "@/lib/prompt-runs/hooks";
import type { Automation } from "@/lib/generated/prisma/client";
import { insertExport } from "@/lib/exports/create-export";
import { resolveDestination } from "@/lib/exports/destination";
import type { ExportAutomationObject, ExportFormat, PutExportAutomationBody } from "@/lib/exports/schemas";
import { FINISHED_RUN_STATUSES } from "@/lib/exports/artifact";

// The export automation of an index (Automation rows of type "export"): every prompt run of the index
// that ends completed or completed_with_failures is exported, limited to that run, to the destination.

const TYPE = "export";

export function toExportAutomationDto(a: Automation): z.infer<typeof ExportAutomationObject> {
  return {
    automation_id: a.id,
    index_id: a.indexId,
    type: TYPE,
    enabled: a.enabled,
    paused: a.paused,
    paused_reason: a.pausedReason,
    destination_connector_id: a.connectorId,
    destination_subpath: a.destinationSubpath,
    format: (a.format ?? "json") as ExportFormat,
    last_triggered_at: iso(a.lastTriggeredAt),
    next_run_at: iso(a.nextRunAt),
    last_export_id: a.lastExportId,
    consecutive_failures: a.consecutiveFailures,
    last_error: a.lastError,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
}

export async function getExportAutomation(workspaceId: string, indexId: string): Promise<Automation> {
  await getIndex(workspaceId, indexId);
  const a = await db.automation.findFirst({ where: { workspaceId, indexId, type: TYPE } });
  if (!a) throw new ApiError("automation_not_found", `Index ${indexId} has no export automation.`);
  return a;
}

/** Full replacement (PUT): creates the automation or replaces its settings. */
export async function putExportAutomation(workspaceId: string, indexId: string, body: z.infer<typeof PutExportAutomationBody>): Promise<Automation> {
  await getIndex(workspaceId, indexId);
  const dest = await resolveDestination(workspaceId, body);
  if (dest.type !== "connector") throw ApiError.validation([{ field: "destination_connector_id", message: "required" }]);
  const settings = {
    enabled: body.enabled, paused: body.paused, pausedReason: null, connectorId: dest.connectorId,
    destinationSubpath: dest.subpath, format: body.format,
  };
  return db.automation.upsert({
    where: { indexId_type: { indexId, type: TYPE } },
    create: { id: newId("auto"), workspaceId, indexId, type: TYPE, ...settings },
    update: settings,
  });
}

export async function deleteExportAutomation(workspaceId: string, indexId: string): Promise<void> {
  const a = await getExportAutomation(workspaceId, indexId);
  await db.automation.deleteMany({ where: { id: a.id, workspaceId } });
}

export async function setExportAutomationPaused(workspaceId: string, indexId: string, paused: boolean): Promise<Automation> {
  const a = await getExportAutomation(workspaceId, indexId);
  await db.automation.updateMany({ where: { id: a.id, workspaceId }, data: { paused, pausedReason: null } });
  return getExportAutomation(workspaceId, indexId);
}

/**
 * Runs inside the transaction that moved the run to its terminal status. Never throws for a bad
 * destination (that would roll back the run's own transition): it records the failure on the
 * automation instead. The (automation, run) unique key makes a second call a no-op.
 */
export async function exportFinishedRun(run: FinishedPromptRun, tx: Tx): Promise<string | null> {
  if (!(FINISHED_RUN_STATUSES as readonly string[]).includes(run.status)) return null;
  const a = await tx.automation.findFirst({ where: { workspaceId: run.workspaceId, indexId: run.indexId, type: TYPE, enabled: true, paused: false } });
  if (!a) return null;
  const connector = await tx.connector.findFirst({ where: { id: a.connectorId, workspaceId: run.workspaceId } });
  const problem = !connector ? "the destination connector no longer exists"
    : connector.status === "disabled" ? "the destination connector is disabled"
    : !connector.scopes.includes("export") ? "the destination connector lacks the 'export' scope" : null;
  if (problem) {
    await tx.automation.update({ where: { id: a.id }, data: { consecutiveFailures: { increment: 1 }, lastError: `Run ${run.id} not exported: ${problem}.`, lastTriggeredAt: new Date() } });
    logger.warn("export automation skipped a run", { automationId: a.id, runId: run.id, problem });
    return null;
  }
  const exportId = await insertExport(tx, {
    workspaceId: run.workspaceId, indexId: run.indexId, exportType: "prompt_run", targetId: run.id, runIds: [run.id],
    format: (a.format ?? "json") as ExportFormat,
    destination: { type: "connector", connectorId: connector!.id, basePath: connector!.exportBasePath ?? "", subpath: a.destinationSubpath },
    automationId: a.id, promptRunId: run.id,
  });
  if (exportId) await tx.automation.update({ where: { id: a.id }, data: { lastExportId: exportId, lastTriggeredAt: new Date() } });
  return exportId;
}

onPromptRunFinished(async (run, tx) => {
  await exportFinishedRun(run, tx);
});

registerConnectorUsageCheck(async (workspaceId, connectorId) => {
  const [automations, exports] = await Promise.all([
    db.automation.findMany({ where: { workspaceId, connectorId, type: TYPE }, select: { id: true }, take: 20 }),
    db.export.findMany({ where: { workspaceId, destinationConnectorId: connectorId, status: { in: ["pending", "processing"] } }, select: { id: true }, take: 20 }),
  ]);
  return [...automations, ...exports].map((r) => r.id);
});
