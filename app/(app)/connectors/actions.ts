"use server";

import { revalidatePath } from "next/cache";
import { authedAction } from "@/lib/auth/authed-action";
import { parseWith } from "@/lib/api/body";
import { browseConnector } from "@/lib/connectors/browse";
import { createAzureConnector, createGcsConnector, createS3Connector } from "@/lib/connectors/create-connector";
import { deleteConnector } from "@/lib/connectors/delete-connector";
import { BrowseBody, CreateAzureBody, CreateGcsBody, CreateS3Body } from "@/lib/connectors/schemas";
import { testConnector } from "@/lib/connectors/test-connector";
import { updateConnector } from "@/lib/connectors/update-connector";

// Form fields → the same bodies the API takes, validated by the same schemas and services.
function text(fd: FormData, k: string): string | undefined {
  const v = fd.get(k);
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}
function common(fd: FormData) {
  return {
    name: text(fd, "name") ?? "",
    scopes: fd.getAll("scopes").map(String),
    export_base_path: text(fd, "export_base_path"),
    import_mode: text(fd, "import_mode"),
  };
}

const create = authedAction({ scope: "write", action: "connectors.create", targetType: "connector" }, async (p, fd: FormData) => {
  const provider = text(fd, "provider");
  let row;
  if (provider === "s3") {
    row = await createS3Connector(p.workspaceId, parseWith(CreateS3Body, {
      ...common(fd), bucket: text(fd, "bucket") ?? "", region: text(fd, "region"),
      aws_access_key_id: text(fd, "aws_access_key_id") ?? "", aws_secret_access_key: text(fd, "aws_secret_access_key") ?? "",
      session_token: text(fd, "session_token"), endpoint: text(fd, "endpoint"),
      force_path_style: fd.get("force_path_style") === "on" ? true : undefined,
    }));
  } else if (provider === "azure") {
    row = await createAzureConnector(p.workspaceId, parseWith(CreateAzureBody, {
      ...common(fd), storage_account: text(fd, "storage_account") ?? "", container: text(fd, "container") ?? "",
      tenant_id: text(fd, "tenant_id"), client_id: text(fd, "client_id"), client_secret: text(fd, "client_secret"),
      account_key: text(fd, "account_key"), sas_token: text(fd, "sas_token"), endpoint: text(fd, "endpoint"),
    }));
  } else {
    const file = fd.get("credentials_file");
    const upload = file instanceof File && file.size > 0
      ? { filename: file.name, contentType: file.type, bytes: Buffer.from(await file.arrayBuffer()) }
      : undefined;
    row = await createGcsConnector(p.workspaceId, parseWith(CreateGcsBody, {
      ...common(fd), bucket: text(fd, "bucket") ?? "", gcp_project_id: text(fd, "gcp_project_id") ?? "",
      endpoint: text(fd, "endpoint"), credentials_file: upload,
    }));
  }
  revalidatePath("/connectors");
  return { data: { connector_id: row.id }, targetId: row.id };
});
export async function createConnectorAction(_prev: unknown, fd: FormData) {
  return create(fd);
}

const test = authedAction({ scope: "write", action: "connectors.test", targetType: "connector", costly: true }, async (p, id: string) => {
  const result = await testConnector(p.workspaceId, id);
  revalidatePath(`/connectors/${id}`);
  return { data: result, targetId: id };
});
export async function testConnectorAction(_prev: unknown, fd: FormData) {
  return test(String(fd.get("connector_id")));
}

const update = authedAction({ scope: "write", action: "connectors.update", targetType: "connector" }, async (p, fd: FormData) => {
  const id = String(fd.get("connector_id"));
  const body: Record<string, unknown> = {};
  for (const k of ["name", "export_base_path", "import_mode", "status"]) {
    const v = fd.get(k);
    if (typeof v === "string") body[k] = v;
  }
  const scopes = fd.getAll("scopes").map(String);
  if (fd.get("scopes_present")) body.scopes = scopes;
  await updateConnector(p.workspaceId, id, body);
  revalidatePath(`/connectors/${id}`);
  return { data: null, targetId: id, message: "Saved." };
});
export async function updateConnectorAction(_prev: unknown, fd: FormData) {
  return update(fd);
}

const remove = authedAction({ scope: "admin", action: "connectors.delete", targetType: "connector" }, async (p, id: string) => {
  await deleteConnector(p.workspaceId, id);
  revalidatePath("/connectors");
  return { data: null, targetId: id };
});
export async function deleteConnectorAction(_prev: unknown, fd: FormData) {
  return remove(String(fd.get("connector_id")));
}

const browse = authedAction({ scope: "read", action: "connectors.browse", targetType: "connector", costly: true, audit: false }, async (p, id: string, q: unknown) => {
  const body = parseWith(BrowseBody, q);
  const r = await browseConnector(p.workspaceId, id, body);
  return { data: r, targetId: id };
});
export async function browseConnectorAction(id: string, q: { prefix: string; pattern: string; recursive: boolean; cursor?: string }) {
  return browse(id, { ...q, limit: 200, include_folders: !q.recursive });
}
