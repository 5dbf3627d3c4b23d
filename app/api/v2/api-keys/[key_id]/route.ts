import { handle } from "@/lib/api/handler";
import { deleteApiKeyOp, getApiKeyOp } from "@/lib/api/operations/api-keys";
import { deleteApiKey, getApiKey, toApiKeyDto } from "@/lib/api-keys/api-keys";

export const GET = handle(getApiKeyOp, async ({ workspaceId, params }) => ({
  body: toApiKeyDto(await getApiKey(workspaceId, params.key_id)),
}));

export const DELETE = handle(deleteApiKeyOp, async ({ workspaceId, params }) => {
  await deleteApiKey(workspaceId, params.key_id);
  return { body: { message: `API key ${params.key_id} deleted.` } };
});
