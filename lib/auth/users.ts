import { z } from "zod";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ApiError } from "@/lib/api/errors";
import { hashPassword, verifyPassword } from "@/lib/security/password";
import { recordAudit } from "@/lib/audit/record-audit";

// One definition of a valid sign-up, used by the sign-up page, the CLI and tests alike.
export const SignUpInput = z
  .object({
    email: z.string().trim().toLowerCase().email("must be a valid email address").max(254),
    password: z.string().min(10, "must be at least 10 characters").max(1024),
    name: z.string().trim().min(1).max(100).optional(),
    workspace_name: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type SignUpInput = z.infer<typeof SignUpInput>;

export async function createUserWithWorkspace(input: SignUpInput) {
  const data = SignUpInput.parse(input);
  const existing = await db.user.findUnique({ where: { email: data.email } });
  if (existing) throw ApiError.validation([{ field: "email", message: "an account with this email already exists" }]);
  const passwordHash = await hashPassword(data.password);
  const userId = newId("usr");
  const workspaceId = newId("ws");
  try {
    await db.$transaction(async (tx) => {
      await tx.user.create({ data: { id: userId, email: data.email, name: data.name ?? null, passwordHash } });
      await tx.workspace.create({ data: { id: workspaceId, name: data.workspace_name ?? `${data.name ?? data.email}'s workspace` } });
      await tx.membership.create({ data: { id: newId("mem"), workspaceId, userId, role: "owner" } });
      await recordAudit({ workspaceId, actorType: "user", actorId: userId, action: "user.sign_up", targetType: "user", targetId: userId }, tx);
    });
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") {
      throw ApiError.validation([{ field: "email", message: "an account with this email already exists" }]);
    }
    throw err;
  }
  return { userId, workspaceId, email: data.email };
}

export async function verifyUserPassword(email: string, password: string) {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  // Verify against a dummy hash when the user is unknown, so timing does not reveal which emails exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  return ok && user ? user : null;
}

const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

export async function workspaceOfUser(userId: string): Promise<string | null> {
  const m = await db.membership.findFirst({ where: { userId }, orderBy: { createdAt: "asc" } });
  return m?.workspaceId ?? null;
}
