"use server";

import { AuthError } from "next-auth";
import { ApiError } from "@/lib/api/errors";
import { signIn, signOut } from "@/lib/auth/next-auth";
import { createUserWithWorkspace, SignUpInput } from "@/lib/auth/users";
import { zodFieldErrors } from "@/lib/api/body";
import { env } from "@/lib/config/env";
import type { ActionState } from "@/lib/auth/authed-action";

function str(fd: FormData, k: string): string | undefined {
  const v = fd.get(k);
  return typeof v === "string" && v !== "" ? v : undefined;
}

export async function signUpAction(_prev: ActionState, fd: FormData): Promise<ActionState> {
  if (env().GANTRY_SIGNUP === "closed") return { ok: false, error: "Sign-up is closed on this server. Ask an operator for an account." };
  const parsed = SignUpInput.safeParse({ email: str(fd, "email"), password: str(fd, "password"), name: str(fd, "name") });
  if (!parsed.success) {
    const fields = Object.fromEntries(zodFieldErrors(parsed.error).map((f) => [f.field, f.message]));
    return { ok: false, error: "Please fix the highlighted fields.", fields };
  }
  try {
    await createUserWithWorkspace(parsed.data);
  } catch (err) {
    if (err instanceof ApiError) {
      const fields = Object.fromEntries(((err.details.fields as { field: string; message: string }[]) ?? []).map((f) => [f.field, f.message]));
      return { ok: false, error: "Could not create the account.", fields };
    }
    throw err;
  }
  await signIn("credentials", { email: parsed.data.email, password: parsed.data.password, redirectTo: "/indexes" });
  return null;
}

export async function signInAction(_prev: ActionState, fd: FormData): Promise<ActionState> {
  try {
    await signIn("credentials", { email: str(fd, "email") ?? "", password: str(fd, "password") ?? "", redirectTo: str(fd, "next") ?? "/indexes" });
  } catch (err) {
    if (err instanceof AuthError) return { ok: false, error: "Wrong email or password." };
    throw err; // NEXT_REDIRECT on success
  }
  return null;
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}
