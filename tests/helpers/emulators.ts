/**
 * Storage emulators for a test file: uses the ones a parent started (GANTRY_TEST_* variables, see
 * scripts/emulators/index.ts) and starts, in this process, only those that are missing. Call
 * `stop()` in afterAll: it stops only what this helper started.
 */
import { readFileSync } from "node:fs";
import {
  emulatorsToEnv,
  readEmulatorEnv,
  resolveS3Choice,
  startEmulators,
  type EmulatorEnv,
  type Emulators,
} from "../../scripts/emulators/index";

export type StorageService = "s3" | "azure" | "azureOAuth" | "gcs";

export interface StorageEmulators {
  env: EmulatorEnv;
  /** PEM of the CA behind the Azure OAuth instance (pass it as `tlsCa`), when that instance is in use. */
  azureCaPem?: string;
  /** Which services were started here (the others came from the environment). */
  startedHere: StorageService[];
  bootMs: number;
  stop(): Promise<void>;
}

/** The S3 emulator a run will use: GANTRY_TEST_S3_KIND when set, else what `startEmulators` would pick. */
export function expectedS3Kind(): "radosgw" | "fauxqs" {
  return readEmulatorEnv().s3?.kind ?? resolveS3Choice(undefined);
}

export async function useStorageEmulators(
  services: StorageService[] = ["s3", "azure", "azureOAuth", "gcs"],
  log?: (msg: string) => void,
): Promise<StorageEmulators> {
  const t0 = Date.now();
  const fromEnv = readEmulatorEnv();
  const missing = services.filter((s) => fromEnv[s] === undefined);
  let started: Emulators | undefined;
  let env: EmulatorEnv = fromEnv;
  if (missing.length) {
    started = await startEmulators({ only: missing, log });
    const startedEnv = readEmulatorEnv(emulatorsToEnv(started));
    env = { ...fromEnv };
    for (const s of missing) (env as Record<string, unknown>)[s] = startedEnv[s];
  }
  const caPath = env.azureOAuth?.caCertPath;
  return {
    env,
    azureCaPem: caPath ? readFileSync(caPath, "utf8") : started?.azureOAuth?.caPem,
    startedHere: missing,
    bootMs: Date.now() - t0,
    stop: async () => {
      await started?.stop();
    },
  };
}
