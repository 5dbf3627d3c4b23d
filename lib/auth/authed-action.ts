import { redirect } from "next/navigation";
import { ApiError } from "@/lib/api/errors";
import { consumeRateLimit } from "@/lib/api/rate-limit";
import { recordAudit } from "@/lib/audit/record-audit";
import { logger } from "@/lib/logger";
import { newId } from "@/lib/ids";
import { actorOf, type Principal } from "./principal";
import { hasScope, type Scope } from "./scopes";
import { sessionFromCookies } from "./session";

export type ActionState<T = unknown> = { ok: true; data: T; message?: string } | { ok: false; error: string; fields?: Record<string, string> } | null;

/** The signed-in user of a page, or a redirect to sign-in. */
export async function requireSession(): Promise<Principal> {
  const p = await sessionFromCookies();
  if (!p) redirect("/sign-in");
  return p;
}

/**
 * Every server action is a public endpoint: authenticate, check scope, rate-limit and audit inside it,
 * exactly as the API wrapper does, and turn errors into a state the form can show.
 */
export function authedAction<A extends unknown[], T>(
  opts: { scope: Scope; action: string; targetType: string; costly?: boolean; audit?: boolean },
  fn: (principal: Principal, ...args: A) => Promise<{ data: T; targetId?: string | null; message?: string }>,
) {
  return async (...args: A): Promise<ActionState<T>> => {
    const principal = await sessionFromCookies();
    if (!principal) return { ok: false, error: "Your session has ended. Sign in again." };
    if (!hasScope(principal.scopes, opts.scope)) return { ok: false, error: "You are not allowed to do this." };
    const requestId = newId("req");
    try {
      const rl = await consumeRateLimit(principal.credentialId, opts.costly ? "costly" : "default");
      if (!rl.allowed) return { ok: false, error: "Too many requests; wait a minute and try again." };
      const result = await fn(principal, ...args);
      if (opts.audit !== false) await recordAudit({
        workspaceId: principal.workspaceId, ...actorOf(principal), action: opts.action, targetType: opts.targetType,
        targetId: result.targetId ?? null, requestId,
      });
      return { ok: true, data: result.data, message: result.message };
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) {
        const fields = Object.fromEntries(
          ((err.details.fields as { field: string; message: string }[] | undefined) ?? []).map((f) => [f.field, f.message]),
        );
        return { ok: false, error: err.message, fields };
      }
      logger.error("action failed", { requestId, action: opts.action, err: err instanceof Error ? err.stack : String(err) });
      return { ok: false, error: `Something went wrong (request ${requestId}).` };
    }
  };
}
