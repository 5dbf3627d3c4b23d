import { handle } from "@/lib/api/handler";
import { testConnectorOp } from "@/lib/api/operations/connectors";
import { testConnector } from "@/lib/connectors/test-connector";

export const POST = handle(testConnectorOp, async ({ workspaceId, params }) => ({
  body: await testConnector(workspaceId, params.connector_id),
}));
