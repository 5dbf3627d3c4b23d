"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { authedAction } from "@/lib/auth/authed-action";
import { parseWith } from "@/lib/api/body";
import { ApiError } from "@/lib/api/errors";
import { createPrompt, deletePrompt, replacePrompt } from "@/lib/prompts/prompts";
import { checkOutputSchema } from "@/lib/prompts/json-schema";
import { PromptBody } from "@/lib/prompts/schemas";
import { executePromptRun, cancelPromptRun, getPromptRun } from "@/lib/prompt-runs/prompt-runs";
import { runView } from "../prompt-runs/run-view";
import { ExecuteBody } from "@/lib/prompt-runs/schemas";
import { toPromptRunDto } from "@/lib/prompt-runs/dto";

/** A JSON text field: parse errors become a field error naming the field. */
function jsonField(fd: FormData, name: string, optional = false): unknown {
  const raw = String(fd.get(name) ?? "").trim();
  if (raw === "" && optional) return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw ApiError.validation([{ field: name, message: `not valid JSON: ${(err as Error).message}` }]);
  }
}

function promptBody(fd: FormData) {
  const levelText = String(fd.get("video_level_instructions") ?? "").trim();
  const levelSchema = jsonField(fd, "video_level.json_schema", true);
  const fields = String(fd.get("video_level_fields") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return parseWith(PromptBody, {
    name: fd.get("name") ?? "",
    description: String(fd.get("description") ?? "") || null,
    prompt_text: fd.get("prompt_text") ?? "",
    json_schema: jsonField(fd, "json_schema"),
    video_level: levelText ? { instructions_text: levelText, ...(fields.length ? { included_segment_fields: fields } : {}), ...(levelSchema ? { json_schema: levelSchema } : {}) } : null,
    is_active: fd.get("is_active") === "on",
  });
}

const save = authedAction({ scope: "write", action: "prompts.save", targetType: "prompt" }, async (p, fd: FormData) => {
  const id = String(fd.get("prompt_id") ?? "");
  const row = id ? await replacePrompt(p.workspaceId, id, promptBody(fd)) : await createPrompt(p.workspaceId, promptBody(fd));
  revalidatePath("/prompts");
  return { data: { prompt_id: row.id }, targetId: row.id, message: id ? "Saved." : `Created ${row.name}.` };
});
export async function savePromptAction(_prev: unknown, fd: FormData) {
  return save(fd);
}

/** Live check of the schema editor: the same checks the API applies. */
const check = authedAction({ scope: "read", action: "prompts.check_schema", targetType: "prompt", audit: false }, async (_p, text: string) => {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    return { data: [{ field: "json_schema", message: `not valid JSON: ${(err as Error).message}` }] };
  }
  return { data: checkOutputSchema(schema, "json_schema") };
});
export async function checkSchemaAction(text: string) {
  return check(text);
}

const remove = authedAction({ scope: "admin", action: "prompts.delete", targetType: "prompt" }, async (p, id: string) => {
  await deletePrompt(p.workspaceId, id);
  revalidatePath("/prompts");
  return { data: null, targetId: id };
});
export async function deletePromptAction(fd: FormData) {
  const r = await remove(String(fd.get("prompt_id")));
  if (r?.ok) redirect("/prompts");
}

const execute = authedAction({ scope: "write", action: "prompt_runs.execute", targetType: "prompt_run", costly: true }, async (p, fd: FormData) => {
  const duration = String(fd.get("video_segment_duration") ?? "");
  const run = await executePromptRun(p.workspaceId, parseWith(ExecuteBody, {
    prompt_id: fd.get("prompt_id") ?? "",
    target: { type: "index", index_id: fd.get("index_id") ?? "" },
    processing_model: String(fd.get("processing_model") ?? "") || undefined,
    ...(duration ? { video_segment_duration: Number(duration) } : {}),
  }));
  return { data: { run_id: run.id }, targetId: run.id };
});
export async function executeRunAction(_prev: unknown, fd: FormData) {
  return execute(fd);
}

const status = authedAction({ scope: "read", action: "prompt_runs.get", targetType: "prompt_run", audit: false }, async (p, runId: string) => {
  const run = toPromptRunDto(await getPromptRun(p.workspaceId, runId));
  return { data: await runView(p.workspaceId, runId, run) };
});
export async function runStatusAction(runId: string) {
  return status(runId);
}

const cancel = authedAction({ scope: "write", action: "prompt_runs.cancel", targetType: "prompt_run" }, async (p, runId: string) => {
  await cancelPromptRun(p.workspaceId, runId);
  return { data: null, targetId: runId };
});
export async function cancelRunAction(runId: string) {
  return cancel(runId);
}
