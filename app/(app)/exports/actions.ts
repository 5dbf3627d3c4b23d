"use server";

import { revalidatePath } from "next/cache";
import { authedAction } from "@/lib/auth/authed-action";
import { parseWith } from "@/lib/api/body";
import { createIndexExport, createRunExport } from "@/lib/exports/create-export";
import { CreateIndexExportBody, CreateRunExportBody, PutExportAutomationBody } from "@/lib/exports/schemas";
import {
  deleteExportAutomation, putExportAutomation, setExportAutomationPaused, toExportAutomationDto,
} from "@/lib/automations/export-automation";

const text = (fd: FormData, k: string) => {
  const v = fd.get(k);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
};

const create = authedAction({ scope: "write", action: "exports.create", targetType: "export" }, async (p, fd: FormData) => {
  const toConnector = fd.get("destination") === "connector";
  const common = {
    format: text(fd, "format") ?? "json",
    ...(toConnector ? { destination_connector_id: text(fd, "destination_connector_id") ?? "", destination_subpath: text(fd, "destination_subpath") } : {}),
  };
  const e = fd.get("source") === "run"
    ? await createRunExport(p.workspaceId, text(fd, "run_id") ?? "", parseWith(CreateRunExportBody, common))
    : await createIndexExport(p.workspaceId, text(fd, "index_id") ?? "", parseWith(CreateIndexExportBody, {
      ...common, ...(fd.getAll("prompt_run_ids").length ? { prompt_run_ids: fd.getAll("prompt_run_ids").map(String) } : {}),
    }));
  revalidatePath("/exports");
  return { data: { export_id: e.id }, targetId: e.id };
});
export async function createExportAction(_prev: unknown, fd: FormData) {
  return create(fd);
}

const save = authedAction({ scope: "write", action: "automations.export.put", targetType: "automation" }, async (p, fd: FormData) => {
  const indexId = text(fd, "index_id") ?? "";
  const a = await putExportAutomation(p.workspaceId, indexId, parseWith(PutExportAutomationBody, {
    enabled: fd.get("enabled") === "on", paused: fd.get("paused") === "on", destination_connector_id: text(fd, "destination_connector_id") ?? "",
    destination_subpath: text(fd, "destination_subpath") ?? null, format: text(fd, "format") ?? "json",
  }));
  revalidatePath(`/indexes/${indexId}`);
  return { data: toExportAutomationDto(a), targetId: a.id, message: "Export automation saved." };
});
export async function saveExportAutomationAction(_prev: unknown, fd: FormData) {
  return save(fd);
}

const pause = authedAction({ scope: "write", action: "automations.export.pause", targetType: "automation" }, async (p, indexId: string, paused: boolean) => {
  const a = await setExportAutomationPaused(p.workspaceId, indexId, paused);
  revalidatePath(`/indexes/${indexId}`);
  return { data: toExportAutomationDto(a), targetId: a.id };
});
export async function setExportAutomationPausedAction(indexId: string, paused: boolean) {
  return pause(indexId, paused);
}

const remove = authedAction({ scope: "admin", action: "automations.export.delete", targetType: "automation" }, async (p, indexId: string) => {
  await deleteExportAutomation(p.workspaceId, indexId);
  revalidatePath(`/indexes/${indexId}`);
  return { data: null, targetId: indexId };
});
export async function deleteExportAutomationAction(indexId: string) {
  return remove(indexId);
}
