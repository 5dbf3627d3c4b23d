import { createHash } from "node:crypto";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { keyring } from "@/lib/security/keyring";
import { registerSealedColumn } from "@/lib/security/sealed-columns";
import { seal, unseal } from "@/lib/security/secrets";
import { ApiError } from "./errors";

// Stored responses can hold a secret shown once (a new API key, a webhook signing secret) that a replay must
// show again: so they are sealed at rest like every other secret, bound to their row.
const responseAad = (id: string) => `idempotency_records.response_body:${id}`;
registerSealedColumn({ table: "idempotency_records", idColumn: "id", column: "response_body", aad: responseAad });

const RETENTION_MS = 24 * 3600 * 1000;
const REPLAYED_HEADERS = ["location", "x-next-cursor", "link", "content-type"];

export type StoredResponse = { status: number; body: string; headers: Record<string, string> };

export function requestFingerprint(method: string, path: string, body: Buffer | string): string {
  return createHash("sha256").update(method).update("\n").update(path).update("\n").update(body).digest("hex");
}

/**
 * Claim an Idempotency-Key. The unique constraint on (workspace, credential, key) makes the claim
 * atomic: of 20 concurrent requests one inserts and runs, the others see its row.
 * Returns null when this request may run, or the stored response to replay.
 */
export async function claimIdempotencyKey(
  scope: { workspaceId: string; credentialId: string; key: string },
  fingerprint: string,
  now = new Date(),
): Promise<StoredResponse | null> {
  if (scope.key.length > 255) throw ApiError.validation([{ field: "Idempotency-Key", message: "must be at most 255 characters" }]);
  const id = newId("idem");
  const inserted = await db.$executeRaw`
    INSERT INTO idempotency_records (id, workspace_id, credential_id, key, request_hash, state, created_at, expires_at)
    VALUES (${id}, ${scope.workspaceId}, ${scope.credentialId}, ${scope.key}, ${fingerprint}, 'in_progress', ${now},
            ${new Date(now.getTime() + RETENTION_MS)})
    ON CONFLICT (workspace_id, credential_id, key) DO NOTHING`;
  if (inserted === 1) return null;

  const existing = await db.idempotencyRecord.findUnique({
    where: { workspaceId_credentialId_key: { workspaceId: scope.workspaceId, credentialId: scope.credentialId, key: scope.key } },
  });
  if (!existing) return claimIdempotencyKey(scope, fingerprint, now); // released in between: try again
  if (existing.expiresAt <= now) {
    await db.idempotencyRecord.deleteMany({ where: { id: existing.id, expiresAt: { lte: now } } });
    return claimIdempotencyKey(scope, fingerprint, now);
  }
  if (existing.requestHash !== fingerprint) {
    throw new ApiError("idempotency_request_mismatch", "This Idempotency-Key was used with a different request.");
  }
  if (existing.state !== "done" || existing.statusCode == null) {
    throw new ApiError("idempotency_in_progress", "A request with this Idempotency-Key is still being processed.", {}, { "Retry-After": "1" });
  }
  return {
    status: existing.statusCode,
    body: existing.responseBody ? unseal(existing.responseBody, responseAad(existing.id), keyring()).toString("utf8") : "",
    headers: (existing.responseHeaders as Record<string, string> | null) ?? {},
  };
}

export async function completeIdempotencyKey(
  scope: { workspaceId: string; credentialId: string; key: string },
  response: StoredResponse,
): Promise<void> {
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(([k]) => REPLAYED_HEADERS.includes(k.toLowerCase())),
  );
  const record = await db.idempotencyRecord.findUnique({ where: { workspaceId_credentialId_key: scope }, select: { id: true } });
  if (!record) return;
  await db.idempotencyRecord.update({
    where: { id: record.id },
    data: { state: "done", statusCode: response.status, responseBody: seal(response.body, responseAad(record.id), keyring()), responseHeaders: headers },
  });
}

/** A 5xx is not a result: release the key so the client's retry can run. */
export async function releaseIdempotencyKey(scope: { workspaceId: string; credentialId: string; key: string }): Promise<void> {
  await db.idempotencyRecord.deleteMany({ where: scope });
}

export async function sweepExpiredIdempotencyRecords(now = new Date()): Promise<number> {
  const r = await db.idempotencyRecord.deleteMany({ where: { expiresAt: { lte: now } } });
  return r.count;
}
