import { z } from "zod";
import { defineOperation } from "../operation";
import { ArrayListQuery } from "../pagination";
import { MessageResponse } from "./common";
import {
  CreateExportResponse, CreateIndexExportBody, CreateRunExportBody, DownloadQuery, DownloadUrlResponse, ExportAutomationObject, ExportObject,
  PutExportAutomationBody,
} from "@/lib/exports/schemas";

const base = { tag: "exports", auditTarget: "export" };

export const createIndexExportOp = defineOperation({
  ...base, id: "exports.create_index", method: "POST", path: "/exports/index/{index_id}", scope: "write", status: 202, body: CreateIndexExportBody,
  bodyOptional: true, response: CreateExportResponse, summary: "Export the prompt-run results of an index (optionally only some runs).",
});
export const createRunExportOp = defineOperation({
  ...base, id: "exports.create_prompt_run", method: "POST", path: "/exports/prompt-run/{run_id}", scope: "write", status: 202, body: CreateRunExportBody,
  bodyOptional: true, response: CreateExportResponse, summary: "Export the results of one prompt run.",
});
export const listExportsOp = defineOperation({
  ...base, id: "exports.list", method: "GET", path: "/exports", scope: "read", query: ArrayListQuery, list: "array",
  response: z.array(ExportObject), summary: "List exports (newest first).",
});
export const getExportOp = defineOperation({
  ...base, id: "exports.get", method: "GET", path: "/exports/{export_id}", scope: "read", response: ExportObject, summary: "Get an export.",
});
export const downloadExportOp = defineOperation({
  ...base, id: "exports.download", method: "GET", path: "/exports/{export_id}/download", scope: "read", query: DownloadQuery,
  responseMediaType: "application/octet-stream",
  summary: "Stream a completed download export (authenticated, or with a signed ?token= and no other credential).",
});
export const createDownloadUrlOp = defineOperation({
  ...base, id: "exports.download_url", method: "POST", path: "/exports/{export_id}/download-url", scope: "read", response: DownloadUrlResponse,
  summary: "Mint a short-lived signed download URL.",
});

const auto = { tag: "automations", auditTarget: "automation" };
const autoPath = "/indexes/{index_id}/automations/export";
export const getExportAutomationOp = defineOperation({
  ...auto, id: "automations.export.get", method: "GET", path: autoPath, scope: "read", response: ExportAutomationObject,
  summary: "Get the export automation of an index.",
});
export const putExportAutomationOp = defineOperation({
  ...auto, id: "automations.export.put", method: "PUT", path: autoPath, scope: "write", body: PutExportAutomationBody,
  response: ExportAutomationObject, summary: "Create or replace the export automation of an index.",
});
export const deleteExportAutomationOp = defineOperation({
  ...auto, id: "automations.export.delete", method: "DELETE", path: autoPath, scope: "admin", response: MessageResponse,
  summary: "Delete the export automation of an index.",
});
export const pauseExportAutomationOp = defineOperation({
  ...auto, id: "automations.export.pause", method: "POST", path: `${autoPath}/pause`, scope: "write", response: ExportAutomationObject,
  summary: "Pause the export automation.",
});
export const resumeExportAutomationOp = defineOperation({
  ...auto, id: "automations.export.resume", method: "POST", path: `${autoPath}/resume`, scope: "write", response: ExportAutomationObject,
  summary: "Resume the export automation.",
});
