import { decode } from "next-auth/jwt";
import { db } from "@/lib/db";
import { env } from "@/lib/config/env";
import type { Principal } from "./principal";

const SESSION_COOKIE_NAMES = ["authjs.session-token", "__Secure-authjs.session-token"];

async function principalForUser(userId: string): Promise<Principal | null> {
  const membership = await db.membership.findFirst({ where: { userId }, orderBy: { createdAt: "asc" } });
  if (!membership) return null;
  return { kind: "session", workspaceId: membership.workspaceId, userId, scopes: ["admin"], credentialId: userId };
}

/** The signed-in browser user, from the next-auth session cookie. */
export async function sessionFromCookies(): Promise<Principal | null> {
  let session;
  try {
    const { auth } = await import("./next-auth");
    session = await auth();
  } catch {
    return null; // outside a request scope (CLI, tests) there are no cookies
  }
  const userId = (session?.user as { id?: string } | undefined)?.id;
  return userId ? principalForUser(userId) : null;
}

/** `Authorization: Bearer <session token>`: the same JWT the session cookie carries. */
export async function sessionFromToken(token: string): Promise<Principal | null> {
  for (const salt of SESSION_COOKIE_NAMES) {
    try {
      const payload = await decode({ token, secret: env().AUTH_SECRET, salt });
      const uid = payload?.uid;
      if (typeof uid === "string") return principalForUser(uid);
    } catch {
      // wrong salt or not a session token: try the next, then refuse
    }
  }
  return null;
}
