import { db, sql } from "@/lib/db";
import { unseal } from "@/lib/security/secrets";
import { keyring } from "@/lib/security/keyring";
import { guardEndpoint } from "@/lib/connectors/guard-endpoint";
import type { ConnectorCredentials } from "@/lib/connectors/credentials";
import { connectorAad } from "@/lib/connectors/sealing";
import { ApiError } from "@/lib/api/errors";
import { createStorageProvider } from "./index";
import type { StorageProvider } from "./types";

export type ConnectorRow = NonNullable<Awaited<ReturnType<typeof db.connector.findFirst>>>;

// Every column of the connectors table, by Prisma field (a new field fails to compile until it is here).
const CONNECTOR_COLUMNS: Record<keyof ConnectorRow, string> = {
  id: "id", workspaceId: "workspace_id", name: "name", provider: "provider", status: "status", scopes: "scopes",
  importMode: "import_mode", exportBasePath: "export_base_path", bucket: "bucket", region: "region",
  storageAccount: "storage_account", container: "container", gcpProjectId: "gcp_project_id", endpoint: "endpoint",
  forcePathStyle: "force_path_style", authMethod: "auth_method", credentialHint: "credential_hint",
  sealedCredentials: "sealed_credentials", lastTestedAt: "last_tested_at", lastTestResult: "last_test_result",
  lastTestError: "last_test_error", createdAt: "created_at", updatedAt: "updated_at",
};
const CONNECTOR_TIMESTAMPS = ["lastTestedAt", "createdAt", "updatedAt"] as const;
// Timestamps as epoch milliseconds (Prisma's columns hold UTC wall time; pg would read them as local time).
const CONNECTOR_SELECT = Object.entries(CONNECTOR_COLUMNS)
  .map(([field, col]) => ((CONNECTOR_TIMESTAMPS as readonly string[]).includes(field) ? `(extract(epoch from ${col}) * 1000)::float8 AS "${field}"` : `${col} AS "${field}"`))
  .join(", ");

/**
 * The connector row as Prisma would return it, read with one plain statement: the lookup every browse,
 * import and export makes, where Prisma's query pipeline would cost more CPU than the database does.
 */
export async function findConnectorRow(workspaceId: string, connectorId: string): Promise<ConnectorRow | null> {
  const row = await findConnectorRowById(connectorId);
  return row && row.workspaceId === workspaceId ? row : null;
}

/** The connector row by id alone, whichever workspace holds it: check `workspaceId` before any use. */
export async function findConnectorRowById(connectorId: string): Promise<ConnectorRow | null> {
  const [raw] = await sql<Record<string, unknown>>(`SELECT ${CONNECTOR_SELECT} FROM connectors WHERE id = $1`, [connectorId]);
  if (!raw) return null;
  for (const f of CONNECTOR_TIMESTAMPS) raw[f] = raw[f] === null ? null : new Date(raw[f] as number);
  raw.scopes ??= [];
  return raw as ConnectorRow;
}

/**
 * Built providers are reused for a short while (keep-alive connections, no re-unsealing per request);
 * the key includes updatedAt, so new credentials or an endpoint change take effect at once.
 */
const CACHE_MS = 30_000;
type Cached = { key: string; provider: Promise<StorageProvider>; until: number };
// Per module copy, on purpose: route handlers and the inline worker are separate copies in one Next.js process, and a
// provider must throw the StorageError class of the code that catches it (isStorageError is an instanceof check).
// The listing read-ahead shares pages between copies through listScope instead.
const cache = new Map<string, Cached>();

/**
 * The provider factory: the only place where connector credentials are unsealed. The endpoint is
 * checked again at connect time (DNS may have changed since the connector was saved; a cached provider
 * is at most CACHE_MS old).
 */
export async function providerForConnector(workspaceId: string, connectorId: string): Promise<StorageProvider> {
  const row = await findConnectorRow(workspaceId, connectorId);
  if (!row) throw ApiError.notFound("connector_not_found", "connector", connectorId);
  return providerForConnectorRow(row);
}

/** Callers asking at the same time share one build (one unsealing, one client). */
export async function providerForConnectorRow(row: ConnectorRow, now = Date.now()): Promise<StorageProvider> {
  const key = `${row.updatedAt.getTime()}:${row.sealedCredentials.length}`;
  const hit = cache.get(row.id);
  if (hit && hit.key === key && hit.until > now) return hit.provider;
  if (cache.size > 1000) cache.clear();
  const entry: Cached = { key, provider: buildProvider(row).then((p) => Object.assign(p, { listScope: `${row.id}:${key}` })), until: now + CACHE_MS };
  cache.set(row.id, entry);
  // A failed build is not kept: the next caller tries again.
  entry.provider.catch(() => cache.get(row.id) === entry && cache.delete(row.id));
  return entry.provider;
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
