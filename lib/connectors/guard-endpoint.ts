import { ApiError } from "@/lib/api/errors";
import { allowlistFromEnv, assertOutboundAllowed, OutboundBlockedError, type Resolver } from "@/lib/security/outbound";

/** Runs a user-supplied URL through the outbound guard; a refusal is a 422 naming the field. */
export async function guardUrl(url: string, field: string, resolver?: Resolver): Promise<URL> {
  try {
    return (await assertOutboundAllowed(url, { allowlist: allowlistFromEnv(), resolver })).url;
  } catch (err) {
    if (err instanceof OutboundBlockedError) {
      throw new ApiError("endpoint_not_allowed", `${field} is not an address Gantry may connect to (${err.reason}).`, {
        fields: [{ field, message: `not allowed: ${err.reason}` }],
      });
    }
    throw err;
  }
}

/** A storage endpoint through the guard, normalised without its trailing slash. */
export async function guardEndpoint(url: string, field: string, resolver?: Resolver): Promise<string> {
  return (await guardUrl(url, field, resolver)).toString().replace(/\/$/, "");
}
