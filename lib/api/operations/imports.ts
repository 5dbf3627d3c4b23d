import { z } from "zod";
import { defineOperation } from "../operation";
import { CreateImportJobBody, ImportItemObject, ImportJobObject, ListImportJobsQuery, ListItemsQuery } from "@/lib/imports/schemas";
import { PageListQuery } from "../pagination";
import { BatchStatusBody, BatchStatusResponse, VideoObject } from "@/lib/videos/videos";
import { MessageResponse, pageOf } from "./common";

const page = pageOf;

export const createImportJobOp = defineOperation({
  id: "import_jobs.create", method: "POST", path: "/import-jobs", tag: "import-jobs", scope: "write", status: 201, rateClass: "costly",
  body: CreateImportJobBody, response: ImportJobObject, auditTarget: "import_job", summary: "Start a one-time import from a connector into an index.",
});
export const listImportJobsOp = defineOperation({
  id: "import_jobs.list", method: "GET", path: "/import-jobs", tag: "import-jobs", scope: "read", query: ListImportJobsQuery, list: "array",
  response: z.array(ImportJobObject), summary: "List import jobs (newest first).",
});
export const getImportJobOp = defineOperation({
  id: "import_jobs.get", method: "GET", path: "/import-jobs/{job_id}", tag: "import-jobs", scope: "read", response: ImportJobObject, summary: "Get an import job with its progress.",
});
export const cancelImportJobOp = defineOperation({
  id: "import_jobs.cancel", method: "POST", path: "/import-jobs/{job_id}/cancel", tag: "import-jobs", scope: "write", response: ImportJobObject,
  auditTarget: "import_job", summary: "Cancel a running import job (imported files stay).",
});
export const retryImportJobOp = defineOperation({
  id: "import_jobs.retry", method: "POST", path: "/import-jobs/{job_id}/retry", tag: "import-jobs", scope: "write", response: ImportJobObject,
  auditTarget: "import_job", summary: "Re-run the failed files of a finished import job.",
});
export const listImportItemsOp = defineOperation({
  id: "import_jobs.items", method: "GET", path: "/import-jobs/{job_id}/items", tag: "import-jobs", scope: "read", query: ListItemsQuery, list: "page",
  response: page(ImportItemObject), summary: "Page through every file of an import job.",
});
export const getVideoOp = defineOperation({
  id: "videos.get", method: "GET", path: "/videos/{video_id}", tag: "videos", scope: "read", response: VideoObject, summary: "Get a video.",
});
export const deleteVideoOp = defineOperation({
  id: "videos.delete", method: "DELETE", path: "/videos/{video_id}", tag: "videos", scope: "admin", response: MessageResponse, auditTarget: "video",
  summary: "Delete a video and its stored bytes.",
});
export const batchVideoStatusOp = defineOperation({
  id: "videos.batch_status", method: "POST", path: "/videos/batch/status", tag: "videos", scope: "read", body: BatchStatusBody,
  response: BatchStatusResponse, summary: "Statuses of up to 100 videos.",
});
export const listIndexVideosOp = defineOperation({
  id: "indexes.videos", method: "GET", path: "/indexes/{index_id}/videos", tag: "indexes", scope: "read", query: PageListQuery, list: "page",
  response: page(VideoObject), summary: "Page through the videos of an index (newest first).",
});
