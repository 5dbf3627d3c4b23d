import { handle } from "@/lib/api/handler";
import { rotateApiKeyOp } from "@/lib/api/operations/api-keys";
import { rotateApiKey } from "@/lib/api-keys/api-keys";

export const POST = handle(rotateApiKeyOp, async ({ workspaceId, principal, params }) => ({
  body: await rotateApiKey(workspaceId, params.key_id, principal.kind === "session" ? principal.userId : null),
}));
