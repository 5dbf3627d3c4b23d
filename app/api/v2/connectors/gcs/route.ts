import { handle } from "@/lib/api/handler";
import { createGcsConnectorOp } from "@/lib/api/operations/connectors";
import { createGcsConnector } from "@/lib/connectors/create-connector";
import { toConnectorDto } from "@/lib/connectors/dto";

export const POST = handle(createGcsConnectorOp, async ({ workspaceId, body }) => ({
  body: toConnectorDto(await createGcsConnector(workspaceId, body)),
}));
