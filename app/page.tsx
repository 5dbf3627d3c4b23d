import { redirect } from "next/navigation";
import { sessionFromCookies } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function Home() {
  const session = await sessionFromCookies();
  redirect(session ? "/indexes" : "/sign-in");
}
