import { handle } from "@/lib/api/handler";
import { revokeApiKeyOp } from "@/lib/api/operations/api-keys";
import { revokeApiKey, toApiKeyDto } from "@/lib/api-keys/api-keys";

export const POST = handle(revokeApiKeyOp, async ({ workspaceId, params }) => ({
  body: toApiKeyDto(await revokeApiKey(workspaceId, params.key_id)),
}));
