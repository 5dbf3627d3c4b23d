import Link from "next/link";
import { requireSession } from "@/lib/auth/authed-action";
import { db } from "@/lib/db";
import { signOutAction } from "../(auth)/actions";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const principal = await requireSession();
  const user = principal.kind === "session" ? await db.user.findUnique({ where: { id: principal.userId } }) : null;
  return (
    <>
      <header className="topbar">
        <Link href="/indexes" className="brand">Gantry</Link>
        <nav>
          <Link href="/indexes">Indexes</Link>
          <Link href="/connectors">Connectors</Link>
          <Link href="/imports">Imports</Link>
          <Link href="/prompts">Prompts</Link>
          <Link href="/webhooks">Webhooks</Link>
          <Link href="/exports">Exports</Link>
          <Link href="/settings/api-keys">API keys</Link>
        </nav>
        <div className="who">
          <span>{user?.email}</span>
          <form action={signOutAction}>
            <button type="submit" className="secondary">Sign out</button>
          </form>
        </div>
      </header>
      <main className="page">{children}</main>
    </>
  );
}
