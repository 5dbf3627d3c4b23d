import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { parseWith } from "@/lib/api/body";
import { seal } from "@/lib/security/secrets";
import { keyring } from "@/lib/security/keyring";
import { getConnector } from "./connectors";
import { azureCredentialsFrom, credentialHint, parseServiceAccountFile, type ConnectorCredentials } from "./credentials";
import { guardCredentialFileUrls } from "./create-connector";
import { guardEndpoint } from "./guard-endpoint";
import { normaliseRelativePath } from "./paths";
import { IMMUTABLE_FIELDS, PatchAzureBody, PatchGcsBody, PatchS3Body } from "./schemas";
import { connectorAad } from "./sealing";

/**
 * PATCH: mutable fields only. New credentials must be of the connector's own provider; they replace
 * the sealed blob as a whole (a partial credential would mix two identities).
 */
export async function updateConnector(workspaceId: string, connectorId: string, raw: unknown) {
  const current = await getConnector(workspaceId, connectorId);
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw ApiError.validation([{ field: "(body)", message: "must be an object" }]);
  const immutable = IMMUTABLE_FIELDS.filter((f) => f in (raw as Record<string, unknown>));
  if (immutable.length) throw ApiError.validation(immutable.map((field) => ({ field, message: "is immutable" })));

  const data: Record<string, unknown> = {};
  let credentials: ConnectorCredentials | undefined;

  if (current.provider === "s3") {
    const b = parseWith(PatchS3Body, raw);
    Object.assign(data, commonChanges(b));
    if (b.region !== undefined) data.region = b.region;
    if (b.force_path_style !== undefined) data.forcePathStyle = b.force_path_style;
    if (b.aws_access_key_id !== undefined || b.aws_secret_access_key !== undefined || b.session_token !== undefined) {
      if (!b.aws_access_key_id || !b.aws_secret_access_key) {
        throw ApiError.validation([{ field: b.aws_access_key_id ? "aws_secret_access_key" : "aws_access_key_id", message: "give both aws_access_key_id and aws_secret_access_key to rotate credentials" }]);
      }
      credentials = { kind: "access_key", accessKeyId: b.aws_access_key_id, secretAccessKey: b.aws_secret_access_key, ...(b.session_token ? { sessionToken: b.session_token } : {}) };
    }
    if (b.endpoint !== undefined) data.endpoint = b.endpoint === null ? null : await guardEndpoint(b.endpoint, "endpoint");
  } else if (current.provider === "azure") {
    const b = parseWith(PatchAzureBody, raw);
    Object.assign(data, commonChanges(b));
    if ([b.tenant_id, b.client_id, b.client_secret, b.account_key, b.sas_token].some((v) => v !== undefined)) {
      credentials = azureCredentialsFrom(b);
    }
    if (b.endpoint !== undefined) data.endpoint = b.endpoint === null ? null : await guardEndpoint(b.endpoint, "endpoint");
  } else {
    const b = parseWith(PatchGcsBody, raw);
    Object.assign(data, commonChanges(b));
    if (b.gcp_project_id !== undefined) data.gcpProjectId = b.gcp_project_id;
    if (b.credentials_file) {
      const parsed = parseServiceAccountFile(b.credentials_file.bytes);
      await guardCredentialFileUrls(parsed.urls);
      credentials = parsed.credentials;
    }
    if (b.endpoint !== undefined) data.endpoint = await guardEndpoint(b.endpoint, "endpoint");
  }

  if (credentials) {
    data.authMethod = credentials.kind;
    data.credentialHint = credentialHint(credentials, current.storageAccount);
    data.sealedCredentials = seal(JSON.stringify(credentials), connectorAad(current.id), keyring());
    // New credentials have not been tested yet.
    data.lastTestResult = null;
    data.lastTestError = null;
  }
  await db.connector.updateMany({ where: { id: current.id, workspaceId }, data });
  return getConnector(workspaceId, connectorId);
}

function commonChanges(b: { name?: string; scopes?: string[]; export_base_path?: string; import_mode?: string; status?: string }) {
  const d: Record<string, unknown> = {};
  if (b.name !== undefined) d.name = b.name;
  if (b.scopes !== undefined) d.scopes = [...new Set(b.scopes)];
  if (b.export_base_path !== undefined) d.exportBasePath = normaliseRelativePath(b.export_base_path, "export_base_path");
  if (b.import_mode !== undefined) d.importMode = b.import_mode;
  if (b.status !== undefined) d.status = b.status;
  return d;
}
