import { ApiError } from "@/lib/api/errors";
import { allowlistFromEnv, assertOutboundAllowed, OutboundBlockedError, type Resolver } from "@/lib/security/outbound";

/** Runs a user-supplied URL through the outbound guard; a refusal is a 422 naming the field. */
export async function guardEndpoint(url: string, field: string, resolver?: Resolver): Promise<string> {
  try {
    const r = await assertOutboundAllowed(url, { allowlist: allowlistFromEnv(), resolver });
    return r.url.toString().replace(/\/$/, "");
  } catch (err) {
    if (err instanceof OutboundBlockedError) {
      throw new ApiError("endpoint_not_allowed", `${field} is not an address Gantry may connect to (${err.reason}).`, {
        fields: [{ field, message: `not allowed: ${err.reason}` }],
      });
    }
    throw err;
  }
}
