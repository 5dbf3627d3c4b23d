import type { z } from "zod";
import { iso } from "@/lib/api/serialize";
import type { Export } from "@/lib/generated/prisma/client";
import type { DownloadUrlResponse, ExportFormat, ExportObject, QueueStatus } from "./schemas";

export type ExportDto = z.infer<typeof ExportObject>;

/** `download_url` only for a completed download whose artifact is stored: the contract's invariants. */
export function relativeDownloadUrl(e: Export): string | null {
  const ready = e.status === "completed" && e.queueStatus === "succeeded" && e.destinationType === "download" && !!e.storageUri;
  return ready ? `/api/v2/exports/${e.id}/download` : null;
}

export function toExportDto(e: Export): ExportDto {
  const connector = e.destinationType === "connector";
  const promptRunIds = e.promptRunIdsSet ? e.promptRunIds : null;
  return {
    export_id: e.id,
    export_type: e.exportType as ExportDto["export_type"],
    target_id: e.targetId,
    status: e.status as ExportDto["status"],
    queue_status: (e.queueStatus as QueueStatus | null) ?? null,
    attempts: e.attempts,
    max_attempts: e.maxAttempts,
    available_at: iso(e.availableAt),
    started_at: iso(e.startedAt),
    completed_at: iso(e.completedAt),
    updated_at: iso(e.updatedAt),
    created_at: iso(e.createdAt),
    destination_type: connector ? "connector" : "download",
    destination_connector_id: connector ? e.destinationConnectorId : null,
    destination_base_path: connector ? e.destinationBasePath : null,
    destination_subpath: connector ? e.destinationSubpath : null,
    destination_uri: connector ? e.storageUri : null,
    gcs_uri: e.storageUri,
    download_url: relativeDownloadUrl(e),
    file_size_bytes: e.fileSizeBytes === null ? null : Number(e.fileSizeBytes),
    error_message: e.errorMessage,
    last_error: e.lastError,
    export_params: {
      prompt_run_ids: promptRunIds,
      destination_connector_id: connector ? e.destinationConnectorId : null,
      destination_base_path: connector ? e.destinationBasePath : null,
      destination_subpath: connector ? e.destinationSubpath : null,
    },
    format: e.format as ExportFormat,
    prompt_run_ids: promptRunIds,
    index_id: e.indexId,
    automation_id: e.automationId,
  };
}

export function toDownloadUrlDto(e: Export, absoluteUrl: string | null): z.infer<typeof DownloadUrlResponse> {
  const dto = toExportDto(e);
  return {
    export_id: dto.export_id,
    status: dto.status,
    destination_type: dto.destination_type,
    destination_connector_id: dto.destination_connector_id,
    download_url: dto.download_url ? absoluteUrl : null,
  };
}
