import { handle } from "@/lib/api/handler";
import { createS3ConnectorOp } from "@/lib/api/operations/connectors";
import { createS3Connector } from "@/lib/connectors/create-connector";
import { toConnectorDto } from "@/lib/connectors/dto";

export const POST = handle(createS3ConnectorOp, async ({ workspaceId, body }) => ({
  body: toConnectorDto(await createS3Connector(workspaceId, body)),
}));
