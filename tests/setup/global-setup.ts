// Runs once in the vitest main process, before any test file. Provides the run's database and, later,
// the storage emulators.
//
// How configuration reaches the test files: vitest 4 starts the pool's child processes only after global
// setup has returned, and each fork inherits this process's environment, so values assigned to
// process.env here are what tests and lib/db.ts read as process.env.DATABASE_URL (checked with vitest
// 4.1.12 and pool "forks": a test saw the URL assigned here, equal to inject("databaseUrl")). The values
// are also `provide`d, for tests that prefer inject().
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { deployMigrations } from "../../lib/db/migrate";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../../lib/db/embedded";
import { readEmulatorEnv, startEmulators } from "../../scripts/emulators/index";

function combinedCaBundle(testCa: string): string {
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  if (!existing || existing === testCa) return testCa;
  const out = path.join(os.tmpdir(), `gantry-test-ca-bundle-${process.pid}.pem`);
  writeFileSync(out, (existsSync(existing) ? readFileSync(existing, "utf8") + "\n" : "") + readFileSync(testCa, "utf8"));
  return out;
}

/** radosgw occasionally fails to boot on a loaded machine (mon not ready): try again before failing the run. */
async function startWithRetry(only: ("s3" | "azure" | "azureOAuth" | "gcs")[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmulators({ only });
    } catch (err) {
      if (attempt >= 3) throw err;
      console.warn(`[global-setup] emulators failed to start (attempt ${attempt}): ${(err as Error).message.split("\n")[0]}`);
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseKind: "postgres" | "embedded";
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const teardown: Array<() => Promise<void>> = [];
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  // Media store and other data of this run in a temp dir, never in the work tree.
  process.env.GANTRY_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), "gantry-test-data-"));
  // Secrets for this run only, so tests never write .data/secrets.json in the work tree.
  process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
  // Two versions: everything seals with v2; the rotation test seals under v1 alone and rotates to v2,
  // a version every test process knows (rotating to a version only it knew would break the others).
  process.env.GANTRY_KEK ??= `v1:${randomBytes(32).toString("base64")},v2:${randomBytes(32).toString("base64")}`;

  // (a) The database. With DATABASE_URL set the suite runs against that server (CI's PostgreSQL job);
  // without it, a private in-memory PGlite for this run, so nothing under .data/ is touched.
  let embedded: EmbeddedDatabase | undefined;
  if (!process.env.DATABASE_URL) {
    const t0 = Date.now();
    // Signal handlers stay with vitest: teardown below closes the database.
    embedded = await startEmbeddedDatabase({ memory: true, installSignalHandlers: false, maxConnections: 200 });
    teardown.push(() => embedded!.stop());
    process.env.DATABASE_URL = embedded.url;
    console.log(`[global-setup] embedded in-memory PGlite at ${embedded.url} (${Date.now() - t0} ms)`);
  }
  const databaseUrl = process.env.DATABASE_URL!;

  try {
    // (b) The schema: the same migrations a deployment applies.
    const t1 = Date.now();
    const applied = await deployMigrations(databaseUrl, { quiet: true });
    console.log(`[global-setup] migrations: ${applied.length ? `applied ${applied.length}` : "up to date"} (${Date.now() - t1} ms)`);

    // (c) Storage emulators, once per run. A CI script may have started them already and exported their
    // GANTRY_TEST_* variables; otherwise start what is missing here (forks inherit process.env).
    const t2 = Date.now();
    const fromEnv = readEmulatorEnv(process.env);
    const missing = (["s3", "azure", "azureOAuth", "gcs"] as const).filter((k) => fromEnv[k] === undefined);
    if (missing.length) {
      const emulators = await startWithRetry(missing);
      teardown.push(() => emulators.stop());
      Object.assign(process.env, emulators.toEnv());
      console.log(`[global-setup] storage emulators ${missing.join(", ")} (${Date.now() - t2} ms)`);
    }
    const emu = readEmulatorEnv(process.env);
    // The emulators listen on loopback: allow it for the outbound guard, as an operator would.
    process.env.GANTRY_OUTBOUND_ALLOWLIST ??= "127.0.0.1,localhost";
    // Webhook retries in milliseconds, not minutes, in every fork (any fork's worker may run a delivery).
    process.env.GANTRY_WEBHOOK_RETRY_BASE_MS ??= "150";
    if (emu.azureOAuth) {
      process.env.GANTRY_AZURE_AUTHORITY_HOST ??= emu.azureOAuth.authorityHost;
      // Read by Node at process start: the forks spawned after this trust the emulator's test CA.
      // The machine may already set NODE_EXTRA_CA_CERTS (e.g. to the system bundle): extend it, don't drop it.
      if (emu.azureOAuth.caCertPath) process.env.NODE_EXTRA_CA_CERTS = combinedCaBundle(emu.azureOAuth.caCertPath);
    }
  } catch (err) {
    for (const fn of teardown.reverse()) await fn().catch(() => {});
    throw err;
  }

  project.provide("databaseUrl", databaseUrl);
  project.provide("databaseKind", embedded ? "embedded" : "postgres");

  // (c) Teardown, in reverse order of start.
  return async () => {
    for (const fn of teardown.reverse()) await fn().catch((e: unknown) => console.error("[global-setup] teardown:", e));
  };
}
