import type { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { seal } from "@/lib/security/secrets";
import { keyring } from "@/lib/security/keyring";
import {
  azureCredentialsFrom, credentialHint, GOOGLE_CREDENTIAL_HOSTS, parseServiceAccountFile, type ConnectorCredentials,
} from "./credentials";
import { guardEndpoint } from "./guard-endpoint";
import { normaliseRelativePath } from "./paths";
import { CreateAzureBody, CreateGcsBody, CreateS3Body } from "./schemas";
import { connectorAad } from "./sealing";
import { ApiError } from "@/lib/api/errors";

type Common = { name: string; scopes: string[]; export_base_path?: string; import_mode: string };

async function insertConnector(
  workspaceId: string,
  common: Common,
  fields: { provider: "s3" | "gcs" | "azure"; bucket?: string; region?: string; storageAccount?: string; container?: string; gcpProjectId?: string; endpoint?: string | null; forcePathStyle?: boolean },
  credentials: ConnectorCredentials,
) {
  const id = newId("conn");
  const { sealedCredentials: _omit, ...row } = await db.connector.create({
    data: {
      id,
      workspaceId,
      name: common.name,
      provider: fields.provider,
      status: "active",
      scopes: [...new Set(common.scopes)],
      importMode: common.import_mode,
      exportBasePath: normaliseRelativePath(common.export_base_path ?? "", "export_base_path"),
      bucket: fields.bucket ?? null,
      region: fields.region ?? null,
      storageAccount: fields.storageAccount ?? null,
      container: fields.container ?? null,
      gcpProjectId: fields.gcpProjectId ?? null,
      endpoint: fields.endpoint ?? null,
      forcePathStyle: fields.forcePathStyle ?? false,
      authMethod: credentials.kind,
      credentialHint: credentialHint(credentials, fields.storageAccount),
      sealedCredentials: seal(JSON.stringify(credentials), connectorAad(id), keyring()),
    },
  });
  return row;
}

export async function createS3Connector(workspaceId: string, input: z.infer<typeof CreateS3Body>) {
  normaliseRelativePath(input.export_base_path ?? "", "export_base_path");
  const endpoint = input.endpoint ? await guardEndpoint(input.endpoint, "endpoint") : null;
  return insertConnector(
    workspaceId,
    input,
    { provider: "s3", bucket: input.bucket, region: input.region, endpoint, forcePathStyle: input.force_path_style ?? !!endpoint },
    { kind: "access_key", accessKeyId: input.aws_access_key_id, secretAccessKey: input.aws_secret_access_key, ...(input.session_token ? { sessionToken: input.session_token } : {}) },
  );
}

export async function createAzureConnector(workspaceId: string, input: z.infer<typeof CreateAzureBody>) {
  normaliseRelativePath(input.export_base_path ?? "", "export_base_path");
  const credentials = azureCredentialsFrom(input);
  const endpoint = input.endpoint ? await guardEndpoint(input.endpoint, "endpoint") : null;
  return insertConnector(
    workspaceId,
    input,
    { provider: "azure", storageAccount: input.storage_account, container: input.container, endpoint },
    credentials,
  );
}

/** URLs inside an uploaded key file are user input too: Google's own hosts pass, anything else is guarded. */
export async function guardCredentialFileUrls(urls: string[]): Promise<void> {
  for (const u of urls) {
    let host: string;
    try {
      host = new URL(u).hostname;
    } catch {
      throw new ApiError("invalid_credentials_file", "credentials_file contains an invalid URL", { fields: [{ field: "credentials_file", message: "invalid URL inside the key file" }] });
    }
    if (new URL(u).protocol === "https:" && GOOGLE_CREDENTIAL_HOSTS.has(host)) continue;
    await guardEndpoint(u, "credentials_file");
  }
}

export async function createGcsConnector(workspaceId: string, input: z.infer<typeof CreateGcsBody>) {
  normaliseRelativePath(input.export_base_path ?? "", "export_base_path");
  const { credentials, urls } = parseServiceAccountFile(input.credentials_file.bytes);
  await guardCredentialFileUrls(urls);
  const endpoint = input.endpoint ? await guardEndpoint(input.endpoint, "endpoint") : null;
  return insertConnector(
    workspaceId,
    input,
    { provider: "gcs", bucket: input.bucket, gcpProjectId: input.gcp_project_id, endpoint },
    credentials,
  );
}
