import { z } from "zod";
import { defineOperation } from "../operation";
import { ArrayListQuery, PageListQuery } from "../pagination";
import { PromptBody, PromptObject } from "@/lib/prompts/schemas";
import { ExecuteBody, PromptRunObject, ResultsQuery, RunResultObject } from "@/lib/prompt-runs/schemas";
import { ImportAutomationBody, ImportAutomationObject } from "@/lib/automations/schemas";
import { MessageResponse, pageOf } from "./common";

const page = pageOf;

const p = { tag: "prompts", auditTarget: "prompt" };
export const createPromptOp = defineOperation({
  ...p, id: "prompts.create", method: "POST", path: "/prompts", scope: "write", status: 201, body: PromptBody, response: PromptObject,
  summary: "Create a prompt (its json_schema must be a JSON Schema whose root is type object).",
});
export const listPromptsOp = defineOperation({
  ...p, id: "prompts.list", method: "GET", path: "/prompts", scope: "read", query: ArrayListQuery, list: "array", response: z.array(PromptObject),
  summary: "List prompts (newest first).",
});
export const getPromptOp = defineOperation({ ...p, id: "prompts.get", method: "GET", path: "/prompts/{prompt_id}", scope: "read", response: PromptObject, summary: "Get a prompt." });
export const replacePromptOp = defineOperation({
  ...p, id: "prompts.replace", method: "PUT", path: "/prompts/{prompt_id}", scope: "write", body: PromptBody, response: PromptObject,
  summary: "Replace a prompt (runs already started keep the version they started with).",
});
export const deletePromptOp = defineOperation({
  ...p, id: "prompts.delete", method: "DELETE", path: "/prompts/{prompt_id}", scope: "admin", response: MessageResponse, summary: "Delete a prompt.",
});

const r = { tag: "prompt-runs", auditTarget: "prompt_run" };
export const executePromptRunOp = defineOperation({
  ...r, id: "prompt_runs.execute", method: "POST", path: "/prompt-runs/execute", scope: "write", status: 202, rateClass: "costly", body: ExecuteBody,
  response: PromptRunObject, summary: "Run a prompt over an index or some of its videos.",
});
export const getPromptRunOp = defineOperation({
  ...r, id: "prompt_runs.get", method: "GET", path: "/prompt-runs/{run_id}", scope: "read", response: PromptRunObject, summary: "Get a prompt run with its progress.",
});
export const cancelPromptRunOp = defineOperation({
  ...r, id: "prompt_runs.cancel", method: "POST", path: "/prompt-runs/{run_id}/cancel", scope: "write", response: PromptRunObject,
  summary: "Cancel a pending or processing run (finished videos keep their results).",
});
export const listRunResultsOp = defineOperation({
  ...r, id: "prompt_runs.results", method: "GET", path: "/prompt-runs/{run_id}/results", scope: "read", query: ResultsQuery, list: "page",
  response: page(RunResultObject), summary: "Page through a run's per-video results with their segments.",
});
export const listIndexPromptRunsOp = defineOperation({
  ...r, id: "indexes.prompt_runs", method: "GET", path: "/indexes/{index_id}/prompt-runs", tag: "indexes", scope: "read", query: PageListQuery, list: "page",
  response: page(PromptRunObject), summary: "Page through the prompt runs of an index (newest first).",
});

const a = { tag: "automations", auditTarget: "automation" };
export const getImportAutomationOp = defineOperation({
  ...a, id: "automations.import.get", method: "GET", path: "/indexes/{index_id}/automations/import", scope: "read", response: ImportAutomationObject,
  summary: "Get the index's import automation.",
});
export const putImportAutomationOp = defineOperation({
  ...a, id: "automations.import.put", method: "PUT", path: "/indexes/{index_id}/automations/import", scope: "write", body: ImportAutomationBody,
  response: ImportAutomationObject, summary: "Create or replace the index's import automation.",
});
export const deleteImportAutomationOp = defineOperation({
  ...a, id: "automations.import.delete", method: "DELETE", path: "/indexes/{index_id}/automations/import", scope: "admin", response: MessageResponse,
  summary: "Delete the index's import automation (imported videos stay).",
});
export const pauseImportAutomationOp = defineOperation({
  ...a, id: "automations.import.pause", method: "POST", path: "/indexes/{index_id}/automations/import/pause", scope: "write",
  response: ImportAutomationObject, summary: "Pause the import automation.",
});
export const resumeImportAutomationOp = defineOperation({
  ...a, id: "automations.import.resume", method: "POST", path: "/indexes/{index_id}/automations/import/resume", scope: "write",
  response: ImportAutomationObject, summary: "Resume the import automation (clears paused_reason and the failure count).",
});
