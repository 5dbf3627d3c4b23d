import type { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { now as clockNow } from "@/lib/clock";
import { ApiError } from "@/lib/api/errors";
import { iso } from "@/lib/api/serialize";
import { assertConnectorScope, getConnector } from "@/lib/connectors/connectors";
import { registerConnectorUsageCheck } from "@/lib/connectors/usage";
import { getIndex } from "@/lib/indexes/indexes";
import { getPrompt } from "@/lib/prompts/prompts";
import { resolveRunOptions } from "@/lib/prompt-runs/prompt-runs";
import type { Automation } from "@/lib/generated/prisma/client";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DebounceInterval, ImportAutomationBody, ImportAutomationObject } from "./schemas";
import { ensureSchedulerTick } from "./scheduler";

type Body = z.infer<typeof ImportAutomationBody>;
type Dto = z.infer<typeof ImportAutomationObject>;

export function toImportAutomationDto(a: Automation): Dto {
  return {
    automation_id: a.id,
    index_id: a.indexId,
    type: "import",
    enabled: a.enabled,
    paused: a.paused,
    paused_reason: a.pausedReason,
    connector_id: a.connectorId,
    source_prefix: a.sourcePrefix,
    file_pattern: a.filePattern,
    recursive: a.recursive,
    debounce_interval: a.debounceInterval as DebounceInterval,
    prompt_preset: (a.promptPreset as Dto["prompt_preset"]) ?? null,
    backfill: a.backfill,
    last_triggered_at: iso(a.lastTriggeredAt),
    next_run_at: iso(a.nextRunAt),
    last_import_job_id: a.lastImportJobId,
    consecutive_failures: a.consecutiveFailures,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
    last_error: a.lastError,
  };
}

export async function getImportAutomation(workspaceId: string, indexId: string) {
  await getIndex(workspaceId, indexId);
  const a = await db.automation.findFirst({ where: { workspaceId, indexId, type: "import" } });
  if (!a) throw new ApiError("automation_not_found", `Index ${indexId} has no import automation.`);
  return a;
}

/** PUT: creates or fully replaces the index's import automation. */
export async function putImportAutomation(workspaceId: string, indexId: string, body: Body) {
  await getIndex(workspaceId, indexId);
  const connector = await getConnector(workspaceId, body.connector_id).catch((err) => {
    if (err instanceof ApiError && err.status === 404) {
      throw new ApiError("connector_not_found", err.message, { fields: [{ field: "connector_id", message: "no such connector" }] });
    }
    throw err;
  });
  assertConnectorScope(connector, "import");
  if (body.source_prefix.startsWith("/")) throw ApiError.validation([{ field: "source_prefix", message: "must not start with '/'" }]);
  if (body.prompt_preset) {
    await getPrompt(workspaceId, body.prompt_preset.prompt_id).catch((err) => {
      if (err instanceof ApiError && err.status === 404) {
        throw ApiError.validation([{ field: "prompt_preset.prompt_id", message: "no such prompt in this workspace" }]);
      }
      throw err;
    });
    resolveRunOptions(body.prompt_preset, "prompt_preset.");
  }
  const existing = await db.automation.findFirst({ where: { workspaceId, indexId, type: "import" } });
  const locationChanged = !existing || existing.connectorId !== body.connector_id || existing.sourcePrefix !== body.source_prefix
    || existing.filePattern !== body.file_pattern || existing.recursive !== body.recursive;
  const active = body.enabled && !body.paused;
  const fields = {
    enabled: body.enabled,
    paused: body.paused,
    pausedReason: body.paused ? (existing?.paused ? existing.pausedReason : "paused by request") : null,
    connectorId: body.connector_id,
    sourcePrefix: body.source_prefix,
    filePattern: body.file_pattern,
    recursive: body.recursive,
    debounceInterval: body.debounce_interval,
    promptPreset: body.prompt_preset ? (body.prompt_preset as object) : Prisma.DbNull,
    backfill: body.backfill,
    // A new location (or the first enablement) gets a fresh baseline when backfill is off.
    ...(locationChanged ? { baselineDone: false } : {}),
    nextRunAt: active ? (existing?.nextRunAt && !locationChanged && existing.enabled && !existing.paused ? existing.nextRunAt : clockNow()) : null,
    ...(active ? { consecutiveFailures: 0 } : {}),
  };
  const saved = existing
    ? await db.automation.update({ where: { id: existing.id }, data: fields })
    : await db.automation.create({ data: { id: newId("auto"), workspaceId, indexId, type: "import", ...fields } }).catch(async (err) => {
        // Two PUTs racing to create: the unique (index, type) lets one win; the other replaces it.
        if ((err as { code?: string }).code === "P2002") return db.automation.update({ where: { indexId_type: { indexId, type: "import" } }, data: fields });
        throw err;
      });
  if (active) await ensureSchedulerTick();
  return saved;
}

export async function deleteImportAutomation(workspaceId: string, indexId: string): Promise<void> {
  const a = await getImportAutomation(workspaceId, indexId);
  await db.$transaction([
    db.automationSeenFile.deleteMany({ where: { automationId: a.id } }),
    db.automation.deleteMany({ where: { id: a.id } }),
  ]);
}

export async function pauseImportAutomation(workspaceId: string, indexId: string) {
  const a = await getImportAutomation(workspaceId, indexId);
  if (a.paused) return a;
  return db.automation.update({ where: { id: a.id }, data: { paused: true, pausedReason: "paused by request", nextRunAt: null } });
}

/** Resume clears the pause, its reason and the failure count, and scans soon. */
export async function resumeImportAutomation(workspaceId: string, indexId: string) {
  const a = await getImportAutomation(workspaceId, indexId);
  const saved = await db.automation.update({
    where: { id: a.id },
    data: { paused: false, pausedReason: null, consecutiveFailures: 0, nextRunAt: a.enabled ? clockNow() : null },
  });
  if (saved.enabled) await ensureSchedulerTick();
  return saved;
}

registerConnectorUsageCheck(async (workspaceId, connectorId) => {
  const rows = await db.automation.findMany({ where: { workspaceId, connectorId, type: "import" }, select: { id: true }, take: 20 });
  return rows.map((r) => r.id);
});
