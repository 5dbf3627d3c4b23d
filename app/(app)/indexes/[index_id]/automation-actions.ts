"use server";

import { revalidatePath } from "next/cache";
import { authedAction } from "@/lib/auth/authed-action";
import { parseWith } from "@/lib/api/body";
import { ImportAutomationBody } from "@/lib/automations/schemas";
import { deleteImportAutomation, pauseImportAutomation, putImportAutomation, resumeImportAutomation } from "@/lib/automations/import-automation";

function body(fd: FormData) {
  const promptId = String(fd.get("prompt_id") ?? "");
  const duration = String(fd.get("video_segment_duration") ?? "");
  const model = String(fd.get("processing_model") ?? "");
  return parseWith(ImportAutomationBody, {
    enabled: fd.get("enabled") === "on",
    paused: false,
    connector_id: fd.get("connector_id") ?? "",
    source_prefix: fd.get("source_prefix") ?? "",
    file_pattern: String(fd.get("file_pattern") ?? "") || "*",
    recursive: fd.get("recursive") === "on",
    debounce_interval: fd.get("debounce_interval") ?? "",
    prompt_preset: promptId ? { prompt_id: promptId, ...(model ? { processing_model: model } : {}), ...(duration ? { video_segment_duration: Number(duration) } : {}) } : null,
    backfill: fd.get("backfill") === "on",
  });
}

const save = authedAction({ scope: "write", action: "automations.import.put", targetType: "automation" }, async (p, fd: FormData) => {
  const indexId = String(fd.get("index_id"));
  const a = await putImportAutomation(p.workspaceId, indexId, body(fd));
  revalidatePath(`/indexes/${indexId}`);
  return { data: null, targetId: a.id, message: "Automation saved." };
});
export async function saveImportAutomationAction(_prev: unknown, fd: FormData) {
  return save(fd);
}

const setPaused = authedAction({ scope: "write", action: "automations.import.pause", targetType: "automation" }, async (p, indexId: string, paused: boolean) => {
  const a = paused ? await pauseImportAutomation(p.workspaceId, indexId) : await resumeImportAutomation(p.workspaceId, indexId);
  revalidatePath(`/indexes/${indexId}`);
  return { data: null, targetId: a.id };
});
export async function pauseImportAutomationAction(indexId: string, paused: boolean) {
  return setPaused(indexId, paused);
}

const remove = authedAction({ scope: "admin", action: "automations.import.delete", targetType: "automation" }, async (p, indexId: string) => {
  await deleteImportAutomation(p.workspaceId, indexId);
  revalidatePath(`/indexes/${indexId}`);
  return { data: null, targetId: indexId };
});
export async function deleteImportAutomationAction(fd: FormData) {
  await remove(String(fd.get("index_id")));
}
