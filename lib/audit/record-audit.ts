import { db, type Tx } from "@/lib/db";
import { newId } from "@/lib/ids";

export type AuditEntry = {
  workspaceId: string;
  actorType: "user" | "api_key" | "system";
  actorId?: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  requestId?: string | null;
  /** Identifiers and field names only: never a secret or a credential. */
  details?: Record<string, unknown>;
};

export async function recordAudit(entry: AuditEntry, client: Tx | typeof db = db): Promise<void> {
  await client.auditLog.create({
    data: {
      id: newId("aud"),
      workspaceId: entry.workspaceId,
      actorType: entry.actorType,
      actorId: entry.actorId ?? null,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      requestId: entry.requestId ?? null,
      details: (entry.details ?? undefined) as object | undefined,
    },
  });
}
