import { handle } from "@/lib/api/handler";
import { createApiKeyOp, listApiKeysOp } from "@/lib/api/operations/api-keys";
import { createApiKey, listApiKeys, toApiKeyDto } from "@/lib/api-keys/api-keys";

export const POST = handle(createApiKeyOp, async ({ workspaceId, principal, body }) => ({
  body: await createApiKey(workspaceId, body, principal.kind === "session" ? principal.userId : null),
}));

export const GET = handle(listApiKeysOp, async ({ workspaceId, query }) => {
  const page = await listApiKeys(workspaceId, query.limit, query.cursor);
  return { body: page.items.map((k) => toApiKeyDto(k)), nextCursor: page.nextCursor };
});
