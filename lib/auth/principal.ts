import type { Scope } from "./scopes";

// Who is calling: an API key of a workspace, or a signed-in user (whose session acts as admin of
// their workspace). credentialId scopes idempotency keys and rate limits.
export type Principal =
  | { kind: "api_key"; workspaceId: string; apiKeyId: string; scopes: Scope[]; credentialId: string }
  | { kind: "session"; workspaceId: string; userId: string; scopes: Scope[]; credentialId: string };

export function actorOf(p: Principal): { actorType: "user" | "api_key"; actorId: string } {
  return p.kind === "api_key" ? { actorType: "api_key", actorId: p.apiKeyId } : { actorType: "user", actorId: p.userId };
}
