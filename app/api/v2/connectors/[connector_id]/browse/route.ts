import { handle } from "@/lib/api/handler";
import { browseConnectorOp } from "@/lib/api/operations/connectors";
import { browseConnector } from "@/lib/connectors/browse";

export const POST = handle(browseConnectorOp, async ({ workspaceId, params, body }) => {
  const r = await browseConnector(workspaceId, params.connector_id, body);
  return { body: r.entries, nextCursor: r.nextCursor };
});
