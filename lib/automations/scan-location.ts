import { db } from "@/lib/db";
import { chunkByBytes } from "@/lib/db/batches";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { defineJob } from "@/lib/jobs/registry";
import { getBoss } from "@/lib/jobs/queue";
import { buildMatcher } from "@/lib/connectors/browse";
import { providerForConnector } from "@/lib/providers/factory";
import { isStorageError } from "@/lib/providers/errors";
import { classifyFiles, recordListedFiles, sourceKeyOf } from "@/lib/imports/classify";
import { maybeFinish, startRunnersOnce } from "@/lib/imports/jobs";
import { onImportJobFinished } from "@/lib/imports/hooks";
import { ACTIVE_IMPORT_STATUSES } from "@/lib/imports/statuses";
import { refreshProgress } from "@/lib/imports/progress";
import { recordEvent } from "@/lib/events/record-event";
import { startPromptRun } from "@/lib/prompt-runs/prompt-runs";
import { Prisma, type Automation, type ImportJob } from "@/lib/generated/prisma/client";
import type { PromptPreset } from "./schemas";
import type { z } from "zod";

/** After this many consecutive failed scans an automation pauses itself. */
export const MAX_CONSECUTIVE_FAILURES = 5;
/** A scan that has not finished within this long (worker died) can be taken over by another worker. */
const SCAN_LEASE_SECONDS = 15 * 60;

export const scanAutomationJob = defineJob<{ automationId: string }>(
  "automations.scan",
  async ({ automationId }) => {
    await scanAutomation(automationId);
  },
  // Failures are counted on the automation (and pause it after 5), not retried by the queue.
  { policy: "singleton", retryLimit: 0, expireInSeconds: SCAN_LEASE_SECONDS },
);

export type ScanOutcome =
  | { result: "skipped"; reason: "lease_held" | "inactive" | "job_running" }
  | { result: "baseline"; seen: number }
  | { result: "no_new_files" }
  | { result: "job_started"; jobId: string; files: number }
  | { result: "failed"; error: string; paused: boolean };

/**
 * One scan of an import automation's location (the scheduler decides when; this does not look at the clock). Only the worker holding the automation's scan lease
 * scans (two workers handed the same automation: one scans, the other returns "lease_held"). Files not
 * yet imported into the index (and not recorded as seen) become the items of ONE import job tagged with
 * the automation; the job is created on the first new file and its id kept on the automation while the
 * scan runs, so a scan that crashes half-way is resumed into the same job, never a second one.
 */
export async function scanAutomation(automationId: string): Promise<ScanOutcome> {
  // Leases measure real elapsed time (a worker's silence), not schedule time: the clock seam is not used.
  const now = new Date();
  const leaseUntil = new Date(now.getTime() + SCAN_LEASE_SECONDS * 1000);
  const got = await db.automation.updateMany({
    where: { id: automationId, OR: [{ scanLeaseUntil: null }, { scanLeaseUntil: { lt: now } }] },
    data: { scanLeaseUntil: leaseUntil },
  });
  if (got.count !== 1) return { result: "skipped", reason: "lease_held" };
  try {
    const a = await db.automation.findUnique({ where: { id: automationId } });
    if (!a || a.type !== "import" || !a.enabled || a.paused) return { result: "skipped", reason: "inactive" };
    if (a.lastImportJobId && !a.scanJobId) {
      const last = await db.importJob.findUnique({ where: { id: a.lastImportJobId }, select: { status: true } });
      if (last && ACTIVE_IMPORT_STATUSES.includes(last.status)) return { result: "skipped", reason: "job_running" };
    }
    try {
      const outcome = await listAndQueue(a);
      await db.automation.update({ where: { id: a.id }, data: { consecutiveFailures: 0, lastError: null } });
      return outcome;
    } catch (err) {
      return await recordFailure(a, err);
    }
  } finally {
    await db.automation.updateMany({ where: { id: automationId, scanLeaseUntil: leaseUntil }, data: { scanLeaseUntil: null } });
  }
}

async function listAndQueue(a: Automation): Promise<ScanOutcome> {
  const provider = await providerForConnector(a.workspaceId, a.connectorId);
  const matcher = buildMatcher(a.sourcePrefix, a.filePattern);
  const baseline = !a.baselineDone && !a.backfill;
  let job: ImportJob | null = a.scanJobId ? await db.importJob.findUnique({ where: { id: a.scanJobId } }) : null;
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await provider.list({ prefix: matcher.listPrefix, delimiter: a.recursive ? undefined : "/", cursor, pageSize: 1000 });
    cursor = page.cursor;
    const files = page.objects.filter((o) => !o.path.endsWith("/") && matcher.matches(o.path));
    if (!files.length) continue;
    const keyOf = (f: { path: string; version: string }) => sourceKeyOf(a.indexId, a.connectorId, f.path, f.version);
    const keys = files.map(keyOf);
    const known = new Set((await db.automationSeenFile.findMany({ where: { automationId: a.id, sourceKey: { in: keys } }, select: { sourceKey: true } })).map((r) => r.sourceKey));
    const fresh = files.filter((f) => !known.has(keyOf(f)));
    if (baseline) {
      await markSeen(a.id, fresh.map(keyOf));
      seen += fresh.length;
      continue;
    }
    // new_only against the index's videos; files that can never import (type, empty, too large) are
    // remembered as seen so they do not start a job on every scan.
    const classified = await classifyFiles({ indexId: a.indexId, connectorId: a.connectorId, importMode: "new_only" }, fresh);
    await markSeen(a.id, classified.filter((c) => c.skip && c.skip !== "already_imported").map((c) => keyOf(c.file)));
    const todo = classified.filter((c) => !c.skip).map((c) => c.file);
    if (!todo.length) continue;
    job ??= await openJob(a);
    await recordListedFiles(job, todo);
  } while (cursor);

  if (baseline) {
    await db.automation.update({ where: { id: a.id }, data: { baselineDone: true } });
    return { result: "baseline", seen };
  }
  if (!a.baselineDone) await db.automation.update({ where: { id: a.id }, data: { baselineDone: true } });
  if (!job) return { result: "no_new_files" };
  // The listing is complete: hand the job to the import runners (not an import scan step's: it has
  // none), once, and not if it was cancelled meanwhile.
  await startRunnersOnce(job.id, { listingDone: true, status: "importing" });
  await db.automation.update({ where: { id: a.id }, data: { scanJobId: null, lastImportJobId: job.id } });
  await refreshProgress(job.id);
  await maybeFinish(job.id);
  const files = await db.importItem.count({ where: { jobId: job.id } });
  logger.info("automation started an import job", { automationId: a.id, jobId: job.id, files });
  return { result: "job_started", jobId: job.id, files };
}

/** The automation's import job, created on the first new file and remembered until the scan ends. */
async function openJob(a: Automation): Promise<ImportJob> {
  const id = newId("job");
  const job = await db.importJob.create({
    data: {
      id, workspaceId: a.workspaceId, connectorId: a.connectorId, indexId: a.indexId, sourcePrefix: a.sourcePrefix,
      filePattern: a.filePattern, recursive: a.recursive, importMode: "new_only", automationId: a.id,
      status: "scanning", startedAt: new Date(),
    },
  });
  await db.automation.update({ where: { id: a.id }, data: { scanJobId: id, lastImportJobId: id } });
  await recordEvent({ workspaceId: a.workspaceId, type: "import_job.started", indexId: a.indexId, data: { job_id: id, index_id: a.indexId, connector_id: a.connectorId, automation_id: a.id } });
  return job;
}

async function markSeen(automationId: string, keys: string[]): Promise<void> {
  for (const batch of chunkByBytes(keys, (k) => k.length + automationId.length + 40)) {
    await db.automationSeenFile.createMany({ data: batch.map((sourceKey) => ({ automationId, sourceKey })), skipDuplicates: true });
  }
}

async function recordFailure(a: Automation, err: unknown): Promise<ScanOutcome> {
  const message = (isStorageError(err) ? `${err.code}: ${err.message}` : (err as Error).message ?? String(err)).slice(0, 500);
  const failures = a.consecutiveFailures + 1;
  const pause = failures >= MAX_CONSECUTIVE_FAILURES;
  await db.automation.update({
    where: { id: a.id },
    data: {
      consecutiveFailures: failures, lastError: message,
      ...(pause ? { paused: true, pausedReason: `paused after ${failures} consecutive failed scans; last error: ${message}`, nextRunAt: null } : {}),
    },
  });
  logger.warn("automation scan failed", { automationId: a.id, failures, paused: pause, error: message });
  return { result: "failed", error: message, paused: pause };
}

// ---------------------------------------------------------------------------------------------------
// After an automation's import job: a prompt run with the preset over the videos it imported.

/** Starts the preset's run for a finished automation job, exactly once (guarded on prompt_run_id). */
export async function startPresetRun(job: Pick<ImportJob, "id" | "automationId" | "status" | "promptRunId" | "workspaceId" | "indexId">): Promise<string | null> {
  if (!job.automationId || job.promptRunId || job.status !== "completed") return null;
  const a = await db.automation.findUnique({ where: { id: job.automationId } });
  const preset = a?.promptPreset as z.infer<typeof PromptPreset> | null | undefined;
  if (!a || !preset) return null;
  const items = await db.importItem.findMany({ where: { jobId: job.id, status: "imported", videoId: { not: null } }, select: { videoId: true }, orderBy: { id: "asc" } });
  const videoIds = items.map((i) => i.videoId!);
  if (!videoIds.length) return null;
  await getBoss();
  try {
    return await db.$transaction(async (tx) => {
      const { prompt_id, ...options } = preset;
      const runId = await startPromptRun({ workspaceId: job.workspaceId, promptId: prompt_id, indexId: job.indexId, videoIds, options, automationId: a.id, importJobId: job.id }, tx);
      const claimed = await tx.importJob.updateMany({ where: { id: job.id, promptRunId: null }, data: { promptRunId: runId } });
      if (claimed.count !== 1) throw new AlreadyStarted();
      return runId;
    });
  } catch (err) {
    if (err instanceof AlreadyStarted) return null;
    await db.automation.update({ where: { id: a.id }, data: { lastError: `prompt run not started: ${(err as Error).message}`.slice(0, 500) } });
    logger.warn("automation prompt run not started", { automationId: a.id, jobId: job.id, error: (err as Error).message });
    return null;
  }
}

class AlreadyStarted extends Error {}

onImportJobFinished(async (job) => {
  await startPresetRun(job);
});

/** Catches up runs a crash left unstarted (job finished, hook never ran). Bounded per tick. */
export async function sweepUnstartedRuns(): Promise<void> {
  const withPreset = await db.automation.findMany({ where: { type: "import", promptPreset: { not: Prisma.DbNull } }, select: { id: true } });
  if (!withPreset.length) return;
  const jobs = await db.importJob.findMany({
    where: { automationId: { in: withPreset.map((a) => a.id) }, status: "completed", promptRunId: null, importedFiles: { gt: 0 }, completedAt: { gt: new Date(Date.now() - 7 * 86_400_000) } },
    orderBy: { id: "desc" },
    take: 20,
  });
  for (const job of jobs) await startPresetRun(job);
}
