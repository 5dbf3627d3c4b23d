import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

// In embedded mode a newcomer has no secrets to configure: generate them once into the data directory
// (mode 0600) and say so. Production with PostgreSQL must set them explicitly (lib/config/env.ts).
export type LocalSecrets = { AUTH_SECRET: string; GANTRY_KEK: string };

export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.resolve(dataDir, "secrets.json");
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
    if (parsed.AUTH_SECRET && parsed.GANTRY_KEK) return parsed;
  }
  const secrets: LocalSecrets = {
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    GANTRY_KEK: `v1:${randomBytes(32).toString("base64")}`,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another process created it first: use theirs, so every process shares one set of secrets.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
    throw err;
  }
  chmodSync(file, 0o600);
  console.warn(`[gantry] generated AUTH_SECRET and GANTRY_KEK into ${file} (embedded mode); back this file up with .data`);
  return secrets;
}
