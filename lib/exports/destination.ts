import { ApiError } from "@/lib/api/errors";
import { assertConnectorScope, assertConnectorUsable, getConnector } from "@/lib/connectors/connectors";
import { joinPath, normaliseRelativePath } from "@/lib/connectors/paths";
import type { ConnectorRow } from "@/lib/connectors/dto";
import { FORMAT_INFO, type ExportFormat } from "./schemas";

export type ResolvedDestination =
  | { type: "download"; connectorId: null; basePath: null; subpath: null }
  | { type: "connector"; connectorId: string; basePath: string; subpath: string | null };

/**
 * Validates where an export goes: nothing (download), or a usable connector with the `export` scope
 * and a subpath that normalises to a relative path inside its export_base_path.
 */
export async function resolveDestination(
  workspaceId: string,
  input: { destination_connector_id?: string | null; destination_subpath?: string | null },
  fields = { connector: "destination_connector_id", subpath: "destination_subpath" },
): Promise<ResolvedDestination> {
  const connectorId = input.destination_connector_id ?? null;
  if (!connectorId) {
    if (input.destination_subpath) {
      throw ApiError.validation([{ field: fields.subpath, message: "needs destination_connector_id (downloads have no subpath)" }]);
    }
    return { type: "download", connectorId: null, basePath: null, subpath: null };
  }
  const subpath = normaliseRelativePath(input.destination_subpath ?? "", fields.subpath);
  const connector = await destinationConnector(workspaceId, connectorId, fields.connector);
  return { type: "connector", connectorId: connector.id, basePath: connector.exportBasePath ?? "", subpath: subpath === "" ? null : subpath };
}

export async function destinationConnector(workspaceId: string, connectorId: string, field: string): Promise<ConnectorRow> {
  const connector = await getConnector(workspaceId, connectorId).catch((err) => {
    if (err instanceof ApiError && err.status === 404) {
      throw new ApiError("connector_not_found", err.message, { fields: [{ field, message: "no such connector" }] });
    }
    throw err;
  });
  assertConnectorUsable(connector);
  assertConnectorScope(connector, "export", field);
  return connector;
}

/**
 * `<export_base_path>/<destination_subpath>/<export_id>.<ext>`. Both parts are normalised again here
 * (they were at save time) so that a row edited behind the API still cannot escape the base path.
 */
export function connectorObjectKey(basePath: string | null, subpath: string | null, exportId: string, format: ExportFormat): string {
  const base = normaliseRelativePath(basePath ?? "", "destination_base_path");
  const sub = normaliseRelativePath(subpath ?? "", "destination_subpath");
  return joinPath(base, sub, `${exportId}.${FORMAT_INFO[format].ext}`);
}

export function downloadObjectKey(exportId: string, format: ExportFormat): string {
  return `exports/${exportId}.${FORMAT_INFO[format].ext}`;
}
