import { handle } from "@/lib/api/handler";
import { listConnectorsOp } from "@/lib/api/operations/connectors";
import { listConnectors } from "@/lib/connectors/connectors";
import { toConnectorDto } from "@/lib/connectors/dto";

export const GET = handle(listConnectorsOp, async ({ workspaceId, query }) => {
  const page = await listConnectors(workspaceId, query.limit, query.cursor);
  return { body: page.items.map(toConnectorDto), nextCursor: page.nextCursor };
});
