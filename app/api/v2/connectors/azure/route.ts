import { handle } from "@/lib/api/handler";
import { createAzureConnectorOp } from "@/lib/api/operations/connectors";
import { createAzureConnector } from "@/lib/connectors/create-connector";
import { toConnectorDto } from "@/lib/connectors/dto";

export const POST = handle(createAzureConnectorOp, async ({ workspaceId, body }) => ({
  body: toConnectorDto(await createAzureConnector(workspaceId, body)),
}));
