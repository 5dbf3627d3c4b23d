import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { getConnector } from "./connectors";
import { connectorUsage } from "./usage";
// Features that reference connectors register their in-use checks when imported.
import "@/lib/imports/import-jobs";
import "@/lib/automations/import-automation";
import "@/lib/automations/export-automation";

/** Media already imported stay; only the connector (and its sealed credentials) go. */
export async function deleteConnector(workspaceId: string, connectorId: string): Promise<void> {
  await getConnector(workspaceId, connectorId);
  const users = await connectorUsage(workspaceId, connectorId);
  if (users.length) {
    throw new ApiError("connector_in_use", `Connector ${connectorId} is still in use by ${users.slice(0, 5).join(", ")}${users.length > 5 ? "…" : ""}.`, {
      in_use_by: users.slice(0, 50),
    });
  }
  await db.connector.deleteMany({ where: { id: connectorId, workspaceId } });
}
