import { db } from "@/lib/db";
import { unseal } from "@/lib/security/secrets";
import { keyring } from "@/lib/security/keyring";
import { guardEndpoint } from "@/lib/connectors/guard-endpoint";
import type { ConnectorCredentials } from "@/lib/connectors/credentials";
import { connectorAad } from "@/lib/connectors/sealing";
import { ApiError } from "@/lib/api/errors";
import { createStorageProvider } from "./index";
import type { StorageProvider } from "./types";

type ConnectorRow = NonNullable<Awaited<ReturnType<typeof db.connector.findFirst>>>;

/**
 * Built providers are reused for a short while (keep-alive connections, no re-unsealing per request);
 * the key includes updatedAt, so new credentials or an endpoint change take effect at once.
 */
const CACHE_MS = 30_000;
const cache = new Map<string, { key: string; provider: StorageProvider; until: number }>();

/**
 * The provider factory: the only place where connector credentials are unsealed. The endpoint is
 * checked again at connect time (DNS may have changed since the connector was saved; a cached provider
 * is at most CACHE_MS old).
 */
export async function providerForConnector(workspaceId: string, connectorId: string): Promise<StorageProvider> {
  const row = await db.connector.findFirst({ where: { id: connectorId, workspaceId } });
  if (!row) throw ApiError.notFound("connector_not_found", "connector", connectorId);
  return providerForConnectorRow(row);
}

export async function providerForConnectorRow(row: ConnectorRow, now = Date.now()): Promise<StorageProvider> {
  const key = `${row.updatedAt.getTime()}:${row.sealedCredentials.length}`;
  const hit = cache.get(row.id);
  if (hit && hit.key === key && hit.until > now) return hit.provider;
  const provider = await buildProvider(row);
  if (cache.size > 1000) cache.clear();
  cache.set(row.id, { key, provider, until: now + CACHE_MS });
  return provider;
}

async function buildProvider(row: ConnectorRow): Promise<StorageProvider> {
  if (row.endpoint) await guardEndpoint(row.endpoint, "endpoint");
  const creds = JSON.parse(unseal(row.sealedCredentials, connectorAad(row.id), keyring()).toString("utf8")) as ConnectorCredentials;

  switch (row.provider) {
    case "s3": {
      if (creds.kind !== "access_key") throw new Error("connector credentials do not match provider");
      return createStorageProvider({
        provider: "s3",
        bucket: row.bucket!,
        region: row.region ?? "us-east-1",
        endpoint: row.endpoint ?? undefined,
        forcePathStyle: row.forcePathStyle,
        credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
      });
    }
    case "gcs": {
      if (creds.kind !== "service_account") throw new Error("connector credentials do not match provider");
      return createStorageProvider({
        provider: "gcs",
        bucket: row.bucket!,
        projectId: row.gcpProjectId ?? "",
        endpoint: row.endpoint ?? undefined,
        credentials: creds.serviceAccount,
      });
    }
    case "azure": {
      const auth =
        creds.kind === "service_principal"
          ? { kind: "service_principal" as const, tenantId: creds.tenantId, clientId: creds.clientId, clientSecret: creds.clientSecret, authorityHost: process.env.GANTRY_AZURE_AUTHORITY_HOST || undefined }
          : creds.kind === "account_key"
            ? { kind: "account_key" as const, accountKey: creds.accountKey }
            : creds.kind === "sas_token"
              ? { kind: "sas_token" as const, sasToken: creds.sasToken }
              : null;
      if (!auth) throw new Error("connector credentials do not match provider");
      return createStorageProvider({
        provider: "azure",
        storageAccount: row.storageAccount!,
        container: row.container!,
        endpoint: row.endpoint ?? undefined,
        auth,
      });
    }
    default:
      throw new Error(`unknown provider ${row.provider}`);
  }
}
