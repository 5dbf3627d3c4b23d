import { handle } from "@/lib/api/handler";
import { browseConnectorOp } from "@/lib/api/operations/connectors";
import { browseConnector } from "@/lib/connectors/browse";
import { findConnectorRowById, type ConnectorRow } from "@/lib/providers/factory";

export const POST = handle<typeof browseConnectorOp, ConnectorRow | null>(
  browseConnectorOp,
  async ({ workspaceId, params, body, preloaded }) => {
    const r = await browseConnector(workspaceId, params.connector_id, body, preloaded);
    return { body: r.entries, nextCursor: r.nextCursor };
  },
  // The connector row is read while the API key is checked (browsing is a hot path); browseConnector
  // uses it only if it belongs to the caller's workspace.
  { preload: (params) => findConnectorRowById(params.connector_id) },
);
