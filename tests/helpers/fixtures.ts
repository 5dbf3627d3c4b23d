import { randomBytes } from "node:crypto";
import { createUserWithWorkspace } from "@/lib/auth/users";
import { createApiKey } from "@/lib/api-keys/api-keys";
import type { Scope } from "@/lib/auth/scopes";
import { sessionToken } from "./api";

/** A fresh user + workspace per test: tenancy keeps parallel tests apart in one database. */
export async function newWorkspace(scopes: Scope[] = ["admin"]) {
  const email = `t-${randomBytes(6).toString("hex")}@example.test`;
  const { userId, workspaceId } = await createUserWithWorkspace({ email, password: "correct horse battery" });
  const key = await createApiKey(workspaceId, { name: "test", scopes }, userId);
  return { userId, workspaceId, email, apiKey: key.key, apiKeyId: key.key_id, session: await sessionToken(userId) };
}
