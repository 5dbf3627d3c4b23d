import { env } from "@/lib/config/env";
import { parseKeyring, type Keyring } from "./secrets";

// The key-encryption keyring from GANTRY_KEK ("v1:<base64>,v2:<base64>"; the highest version seals).
let cached: { raw: string; ring: Keyring } | undefined;

export function keyring(): Keyring {
  const raw = env().GANTRY_KEK;
  if (!cached || cached.raw !== raw) cached = { raw, ring: parseKeyring(raw) };
  return cached.ring;
}
