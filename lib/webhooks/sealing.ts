import { randomBytes } from "node:crypto";
import { keyring } from "@/lib/security/keyring";
import { registerSealedColumn } from "@/lib/security/sealed-columns";
import { seal, unseal } from "@/lib/security/secrets";

// The signing secret must be recovered to sign each delivery, so it is sealed (not hashed), bound to its row.
export const webhookSecretAad = (id: string) => `webhooks.sealed_secret:${id}`;

registerSealedColumn({ table: "webhooks", idColumn: "id", column: "sealed_secret", aad: webhookSecretAad });

/** A fresh signing secret: `whsec_` + 48 lowercase hex characters (192 bits). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("hex")}`;
}

export function sealWebhookSecret(webhookId: string, secret: string): string {
  return seal(secret, webhookSecretAad(webhookId), keyring());
}

export function unsealWebhookSecret(webhookId: string, sealed: string): string {
  return unseal(sealed, webhookSecretAad(webhookId), keyring()).toString("utf8");
}
