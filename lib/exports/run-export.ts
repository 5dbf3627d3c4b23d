import type { Readable } from "node:stream";
import { db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { defineJob } from "@/lib/jobs/registry";
import { enqueue, getBoss } from "@/lib/jobs/queue";
import { recordEvent } from "@/lib/events/record-event";
import { mediaStore } from "@/lib/media/store";
import { providerForConnector } from "@/lib/providers/factory";
import { isStorageError } from "@/lib/providers/errors";
import type { RemoteObject, StorageProvider } from "@/lib/providers/types";
import type { Export } from "@/lib/generated/prisma/client";
import { artifactStream, ExportTooLargeError, type ArtifactStats } from "./artifact";
import { connectorObjectKey, downloadObjectKey } from "./destination";
import { FORMAT_INFO, type ExportFormat } from "./schemas";

// One queue job per attempt. The handler writes the artifact to its destination under a deterministic
// key (a re-run overwrites, never duplicates). A transient storage failure schedules the next attempt
// with exponential backoff and jitter, until max_attempts; anything else fails the export at once.

/** Where an export's bytes go (the I/O seam: a parameter of runExportAttempt). */
export type ExportTarget = { provider: StorageProvider; key: string; uri(key: string): string };
export type ExportDeps = { target(e: Export): Promise<ExportTarget> };

export const defaultExportDeps: ExportDeps = {
  async target(e) {
    const format = e.format as ExportFormat;
    if (e.destinationType === "download") {
      const store = mediaStore();
      return { provider: store.provider, key: downloadObjectKey(e.id, format), uri: (k) => store.uriFor(k) };
    }
    const provider = await providerForConnector(e.workspaceId, e.destinationConnectorId!);
    const connector = await db.connector.findFirst({ where: { id: e.destinationConnectorId!, workspaceId: e.workspaceId } });
    return { provider, key: connectorObjectKey(e.destinationBasePath, e.destinationSubpath, e.id, format), uri: (k) => connectorUri(connector, k) };
  },
};


function connectorUri(c: { provider: string; bucket: string | null; storageAccount: string | null; container: string | null } | null, key: string): string {
  if (!c) return key;
  if (c.provider === "s3") return `s3://${c.bucket}/${key}`;
  if (c.provider === "gcs") return `gs://${c.bucket}/${key}`;
  return `azure://${c.storageAccount}/${c.container}/${key}`;
}

class PermanentExportError extends Error {}

/** Parts in flight of a connector upload: two S3 parts of 5 MiB (throughput is bounded by producing the artifact anyway). */
const UPLOAD_BUFFER_BYTES = 10 * 1024 * 1024;

export const runExportJob = defineJob<{ exportId: string }>(
  "exports.run",
  async ({ exportId }) => runExportAttempt(exportId),
  // Retries here only recover crashed workers (the lease ran out); storage retries are attempts.
  // The lease bounds how long a crashed worker's export waits before another worker takes it over; an
  // artifact is at most GANTRY_EXPORT_MAX_BYTES, written in minutes at worst.
  { retryLimit: 3, retryDelay: 5, expireInSeconds: 900 },
);

export async function runExportAttempt(exportId: string, deps: ExportDeps = defaultExportDeps): Promise<void> {
  const e = await db.export.findUnique({ where: { id: exportId } });
  if (!e || e.status === "completed" || e.status === "failed") return;
  const settings = { maxBytes: Number(e.maxBytes), retryDelaySeconds: e.retryDelaySeconds };
  if (e.attempts >= e.maxAttempts) {
    // A crashed attempt used up the last one.
    await finishFailed(e, `Export failed after ${e.attempts} attempt${e.attempts === 1 ? "" : "s"}: ${e.lastError ?? "the worker stopped"}`, "dead_letter");
    return;
  }
  const attempt = e.attempts + 1;
  const claimed = await db.export.updateMany({
    where: { id: e.id, status: { in: ["pending", "processing"] }, attempts: e.attempts },
    data: { status: "processing", queueStatus: "running", attempts: attempt, startedAt: e.startedAt ?? new Date() },
  });
  if (claimed.count !== 1) return; // another delivery of this job got there first
  const stats: ArtifactStats = { bytes: 0, videos: 0, segments: 0 };
  try {
    const target = await deps.target(e).catch((err) => {
      throw isStorageError(err) && err.retryable ? err : new PermanentExportError(`Destination unavailable: ${(err as Error).message}`);
    });
    const format = e.format as ExportFormat;
    const body: Readable = artifactStream(
      { exportId: e.id, workspaceId: e.workspaceId, indexId: e.indexId, format, runIds: e.promptRunIdsSet ? e.promptRunIds : null, createdBefore: e.createdAt },
      settings.maxBytes,
      stats,
    );
    let written: RemoteObject;
    try {
      written = await target.provider.write(target.key, body, { contentType: FORMAT_INFO[format].contentType, maxBufferedBytes: UPLOAD_BUFFER_BYTES });
    } finally {
      body.destroy();
    }
    if (stats.bytes > settings.maxBytes) throw new ExportTooLargeError(settings.maxBytes);
    await finishCompleted(e, target.uri(target.key), target.key, stats, written);
  } catch (err) {
    // The provider may wrap the stream's own error: the byte count tells what really happened.
    const error = stats.bytes > settings.maxBytes ? new ExportTooLargeError(settings.maxBytes) : err;
    const message = (error as Error).message ?? String(error);
    const transient = !(error instanceof ExportTooLargeError) && !(error instanceof PermanentExportError) && !(isStorageError(error) && !error.retryable);
    logger.warn("export attempt failed", { exportId, attempt, transient, err: message });
    if (!transient) return finishFailed(e, message, "failed", attempt);
    if (attempt >= e.maxAttempts) return finishFailed(e, `Export failed after ${attempt} attempt${attempt === 1 ? "" : "s"}: ${message}`, "dead_letter", attempt, message);
    await scheduleRetry(e, attempt, message, settings.retryDelaySeconds);
  }
}

async function scheduleRetry(e: Export, attempt: number, message: string, baseDelay: number): Promise<void> {
  // Equal jitter: uniformly in [base·2^(n-1), base·2^n) seconds.
  const delay = baseDelay * 2 ** (attempt - 1) * (1 + Math.random());
  const availableAt = new Date(Date.now() + delay * 1000);
  await getBoss();
  await db.$transaction(async (tx) => {
    const jobId = await enqueue(runExportJob, { exportId: e.id }, { db: tx, startAfter: availableAt });
    await tx.export.update({
      where: { id: e.id },
      data: { status: "pending", queueStatus: "queued", queueJobId: jobId, availableAt, lastError: message.slice(0, 2000) },
    });
  });
}

async function finishCompleted(e: Export, uri: string, key: string, stats: ArtifactStats, written: RemoteObject): Promise<void> {
  await db.$transaction(async (tx) => {
    const won = await tx.export.updateMany({
      where: { id: e.id, status: "processing" },
      data: {
        status: "completed", queueStatus: "succeeded", completedAt: new Date(), storageKey: key, storageUri: uri,
        fileSizeBytes: BigInt(stats.bytes || written.size), videoCount: stats.videos, segmentCount: stats.segments, errorMessage: null,
      },
    });
    if (won.count !== 1) return;
    await recordEvent({ workspaceId: e.workspaceId, type: "export.ready", indexId: e.indexId, data: {
      export_id: e.id, export_type: e.exportType, target_id: e.targetId, format: e.format, destination_type: e.destinationType,
      destination_connector_id: e.destinationConnectorId, gcs_uri: uri, file_size_bytes: stats.bytes, automation_id: e.automationId,
    } }, tx);
    if (e.automationId) {
      await tx.automation.updateMany({ where: { id: e.automationId, type: "export" }, data: { consecutiveFailures: 0, lastError: null } });
    }
  });
  logger.info("export completed", { exportId: e.id, bytes: stats.bytes, videos: stats.videos, segments: stats.segments });
}

async function finishFailed(e: Export, message: string, queueStatus: "failed" | "dead_letter", attempts?: number, lastError?: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const won = await tx.export.updateMany({
      where: { id: e.id, status: { in: ["pending", "processing"] } },
      data: {
        status: "failed", queueStatus, completedAt: new Date(), errorMessage: message.slice(0, 2000),
        lastError: (lastError ?? message).slice(0, 2000), ...(attempts !== undefined ? { attempts } : {}),
      },
    });
    if (won.count !== 1) return;
    await recordEvent({ workspaceId: e.workspaceId, type: "export.failed", indexId: e.indexId, data: {
      export_id: e.id, export_type: e.exportType, target_id: e.targetId, error: message.slice(0, 500), automation_id: e.automationId,
    } }, tx);
    if (e.automationId) {
      await tx.automation.updateMany({
        where: { id: e.automationId, type: "export" },
        data: { consecutiveFailures: { increment: 1 }, lastError: message.slice(0, 1000) },
      });
    }
  });
  logger.warn("export failed", { exportId: e.id, err: message });
}
