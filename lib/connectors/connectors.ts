import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { pageByIdDesc } from "@/lib/api/pagination";
import type { ConnectorRow } from "./dto";

// Every read of connectors for API responses omits the sealed column.
export const PUBLIC_CONNECTOR_FIELDS = {
  id: true, workspaceId: true, name: true, provider: true, status: true, scopes: true, importMode: true,
  exportBasePath: true, bucket: true, region: true, storageAccount: true, container: true, gcpProjectId: true,
  endpoint: true, forcePathStyle: true, authMethod: true, credentialHint: true, lastTestedAt: true,
  lastTestResult: true, lastTestError: true, createdAt: true, updatedAt: true,
} as const;

export async function getConnector(workspaceId: string, connectorId: string): Promise<ConnectorRow> {
  const row = await db.connector.findFirst({ where: { id: connectorId, workspaceId }, select: PUBLIC_CONNECTOR_FIELDS });
  if (!row) throw ApiError.notFound("connector_not_found", "connector", connectorId);
  return row;
}

export async function listConnectors(workspaceId: string, limit: number, cursor?: string) {
  return pageByIdDesc(limit, cursor, (take, beforeId) =>
    db.connector.findMany({
      where: { workspaceId, ...(beforeId ? { id: { lt: beforeId } } : {}) },
      select: PUBLIC_CONNECTOR_FIELDS,
      orderBy: { id: "desc" },
      take,
    }),
  );
}

/** Refuses new work on a disabled connector (jobs, browses, exports). */
export function assertConnectorUsable(c: ConnectorRow): void {
  if (c.status === "disabled") throw new ApiError("connector_disabled", `Connector ${c.id} is disabled; enable it to use it.`);
}

export function assertConnectorScope(c: ConnectorRow, scope: "import" | "export", field = "connector_id"): void {
  if (!c.scopes.includes(scope)) {
    throw new ApiError("connector_scope_missing", `Connector ${c.id} does not have the '${scope}' scope.`, {
      fields: [{ field, message: `connector needs the '${scope}' scope` }],
    });
  }
}
