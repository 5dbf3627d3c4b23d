import { handle } from "@/lib/api/handler";
import { deleteConnectorOp, getConnectorOp, updateConnectorOp } from "@/lib/api/operations/connectors";
import { getConnector } from "@/lib/connectors/connectors";
import { deleteConnector } from "@/lib/connectors/delete-connector";
import { toConnectorDto } from "@/lib/connectors/dto";
import { updateConnector } from "@/lib/connectors/update-connector";

export const GET = handle(getConnectorOp, async ({ workspaceId, params }) => ({
  body: toConnectorDto(await getConnector(workspaceId, params.connector_id)),
}));

export const PATCH = handle(updateConnectorOp, async ({ workspaceId, params, body }) => ({
  body: toConnectorDto(await updateConnector(workspaceId, params.connector_id, body)),
}));

export const DELETE = handle(deleteConnectorOp, async ({ workspaceId, params }) => {
  await deleteConnector(workspaceId, params.connector_id);
  return { body: { message: `Connector ${params.connector_id} deleted. Media already imported stay.` } };
});
