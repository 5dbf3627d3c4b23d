"use server";

import { revalidatePath } from "next/cache";
import { authedAction } from "@/lib/auth/authed-action";
import { createIndex, deleteIndex, updateIndex } from "@/lib/indexes/indexes";
import { CreateIndexBody, UpdateIndexBody } from "@/lib/indexes/schemas";
import { parseWith } from "@/lib/api/body";

const optional = (v: FormDataEntryValue | null) => (typeof v === "string" && v !== "" ? v : undefined);

const create = authedAction({ scope: "write", action: "indexes.create", targetType: "index" }, async (p, fd: FormData) => {
  const input = parseWith(CreateIndexBody, { name: fd.get("name") ?? "", description: optional(fd.get("description")) });
  const row = await createIndex(p.workspaceId, input);
  revalidatePath("/indexes");
  return { data: { index_id: row.id }, targetId: row.id, message: `Created ${row.name}.` };
});
export async function createIndexAction(_prev: unknown, fd: FormData) {
  return create(fd);
}

const rename = authedAction({ scope: "write", action: "indexes.update", targetType: "index" }, async (p, fd: FormData) => {
  const id = String(fd.get("index_id"));
  const input = parseWith(UpdateIndexBody, { name: fd.get("name") ?? "" });
  await updateIndex(p.workspaceId, id, input);
  revalidatePath("/indexes");
  return { data: null, targetId: id };
});
export async function renameIndexAction(_prev: unknown, fd: FormData) {
  return rename(fd);
}

const remove = authedAction({ scope: "admin", action: "indexes.delete", targetType: "index" }, async (p, id: string) => {
  await deleteIndex(p.workspaceId, id);
  revalidatePath("/indexes");
  return { data: null, targetId: id };
});
export async function deleteIndexAction(fd: FormData) {
  await remove(String(fd.get("index_id")));
}
