import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { env } from "@/lib/config/env";
import { verifyUserPassword } from "./users";

// next-auth v5 with email + password (credentials provider → JWT sessions). The config is lazy so
// that importing this module at build time does not read the environment. Never wrap a route handler
// with auth(handler) (crashes with lazy config, see stack-notes); call `await auth()` inside instead.
const SignInInput = z.object({ email: z.string().email(), password: z.string().min(1).max(1024) });

class InvalidLogin extends CredentialsSignin {
  code = "invalid_credentials";
}

function config(): NextAuthConfig {
  return {
    secret: env().AUTH_SECRET,
    trustHost: true,
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    pages: { signIn: "/sign-in" },
    providers: [
      Credentials({
        credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
        async authorize(raw) {
          const parsed = SignInInput.safeParse(raw);
          if (!parsed.success) throw new InvalidLogin();
          const user = await verifyUserPassword(parsed.data.email, parsed.data.password);
          if (!user) throw new InvalidLogin();
          return { id: user.id, email: user.email, name: user.name ?? user.email };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user?.id) token.uid = user.id;
        return token;
      },
      session({ session, token }) {
        if (token.uid && session.user) (session.user as { id?: string }).id = token.uid as string;
        return session;
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => config());
