import { ApiError } from "@/lib/api/errors";

// What is sealed per provider. Only lib/providers/factory.ts unseals these.
export type S3Credentials = { kind: "access_key"; accessKeyId: string; secretAccessKey: string; sessionToken?: string };
export type GcsCredentials = { kind: "service_account"; serviceAccount: Record<string, unknown> & { client_email: string; private_key: string } };
export type AzureCredentials =
  | { kind: "service_principal"; tenantId: string; clientId: string; clientSecret: string }
  | { kind: "account_key"; accountKey: string }
  | { kind: "sas_token"; sasToken: string };
export type ConnectorCredentials = S3Credentials | GcsCredentials | AzureCredentials;

export const GCS_CREDENTIALS_MAX_BYTES = 64 * 1024;
/** Google's own endpoints, named by the key file Google issues; any other URL goes through the guard. */
export const GOOGLE_CREDENTIAL_HOSTS = new Set(["oauth2.googleapis.com", "accounts.google.com", "www.googleapis.com"]);
const URL_FIELDS = ["token_uri", "auth_uri", "auth_provider_x509_cert_url", "client_x509_cert_url"];

function invalidFile(message: string): ApiError {
  return new ApiError("invalid_credentials_file", message, { fields: [{ field: "credentials_file", message }] });
}

/** A service-account JSON key and nothing else (external_account, authorized_user, … are refused). */
export function parseServiceAccountFile(bytes: Buffer): { credentials: GcsCredentials; urls: string[] } {
  if (bytes.length > GCS_CREDENTIALS_MAX_BYTES) throw invalidFile("credentials_file must be at most 64 KiB");
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalidFile("credentials_file is not valid JSON");
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) throw invalidFile("credentials_file must be a JSON object");
  const sa = json as Record<string, unknown>;
  if (sa.type !== "service_account") throw invalidFile("credentials_file must be a service-account key (type \"service_account\")");
  if (typeof sa.client_email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(sa.client_email)) throw invalidFile("credentials_file has no valid client_email");
  if (typeof sa.private_key !== "string" || !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(sa.private_key)) {
    throw invalidFile("credentials_file has no PEM private_key");
  }
  const urls: string[] = [];
  for (const f of URL_FIELDS) {
    const v = sa[f];
    if (v === undefined) continue;
    if (typeof v !== "string") throw invalidFile(`credentials_file field ${f} must be a URL`);
    urls.push(v);
  }
  return { credentials: { kind: "service_account", serviceAccount: sa as GcsCredentials["serviceAccount"] }, urls };
}

export function azureCredentialsFrom(input: { tenant_id?: string; client_id?: string; client_secret?: string; account_key?: string; sas_token?: string }): AzureCredentials {
  const sp = [input.tenant_id, input.client_id, input.client_secret];
  const spCount = sp.filter((v) => v !== undefined).length;
  const methods = (spCount > 0 ? 1 : 0) + (input.account_key ? 1 : 0) + (input.sas_token ? 1 : 0);
  if (methods !== 1) {
    throw ApiError.validation([{ field: "client_secret", message: "give exactly one of: tenant_id + client_id + client_secret, account_key, or sas_token" }]);
  }
  if (spCount > 0) {
    const missing = (["tenant_id", "client_id", "client_secret"] as const).filter((k) => !input[k]);
    if (missing.length) throw ApiError.validation(missing.map((field) => ({ field, message: "is required for a service principal" })));
    return { kind: "service_principal", tenantId: input.tenant_id!, clientId: input.client_id!, clientSecret: input.client_secret! };
  }
  if (input.account_key) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(input.account_key)) throw ApiError.validation([{ field: "account_key", message: "must be the base64 account key" }]);
    return { kind: "account_key", accountKey: input.account_key };
  }
  return { kind: "sas_token", sasToken: input.sas_token!.replace(/^\?/, "") };
}

/** A hint that identifies a credential without revealing it. */
export function credentialHint(c: ConnectorCredentials, storageAccount?: string | null): string {
  switch (c.kind) {
    case "access_key":
      return c.accessKeyId.length > 8 ? `${c.accessKeyId.slice(0, 4)}…${c.accessKeyId.slice(-4)}` : "…";
    case "service_account":
      return c.serviceAccount.client_email;
    case "service_principal":
      return `client ${c.clientId}`;
    case "account_key":
      return `account key of ${storageAccount ?? "account"}`;
    case "sas_token": {
      const se = new URLSearchParams(c.sasToken).get("se");
      return se ? `SAS token (expires ${se})` : "SAS token";
    }
  }
}
