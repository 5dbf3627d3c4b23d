/**
 * Starts the storage emulators the tests need and hands back every endpoint and credential:
 *
 *   S3     Ceph radosgw when installed (real SigV4 checks), else fauxqs (no credential checks)
 *   Azure  Azurite over HTTP with the account key, and Azurite over HTTPS with OAuth + a local token
 *          service for service-principal auth
 *   GCS    the project's own JSON-API emulator (./gcs-server)
 *
 * `toEnv()` flattens the result into GANTRY_TEST_* variables; `readEmulatorEnv()` reads them back, so a
 * parent (vitest globalSetup, `npm run emulators`) can start them once and tests can find them.
 */
import { startAzurite, startAzuriteOAuth, type AzuriteHandle, type AzuriteOAuthHandle } from "./azurite";
import { startGcsEmulator } from "./gcs-server";
import { startFauxqs } from "./s3-fauxqs";
import { missingRadosgwBinaries, startRadosgw, type S3EmulatorHandle } from "./s3-radosgw";

export type S3Choice = "radosgw" | "fauxqs" | "auto";

export interface GcsHandle {
  endpoint: string;
  port: number;
  bootMs: number;
  stop(): Promise<void>;
}

export interface StartEmulatorsOptions {
  /** Which S3 emulator (default "auto": GANTRY_TEST_S3_EMULATOR if set, else radosgw if installed, else fauxqs). */
  s3?: S3Choice;
  /** Services to start (default: all four). */
  only?: Array<"s3" | "azure" | "azureOAuth" | "gcs">;
  /** Test CA dir for the Azure OAuth instance (see azurite.ts ensureTestCa). */
  caDir?: string;
  /** Fixed ports (default: free ones). */
  ports?: { s3?: number; azure?: number; azureOAuth?: number; azureToken?: number; gcs?: number };
  log?: (msg: string) => void;
}

export interface Emulators {
  s3?: S3EmulatorHandle;
  azure?: AzuriteHandle;
  azureOAuth?: AzuriteOAuthHandle;
  gcs?: GcsHandle;
  /** Wall-clock ms for the whole (parallel) start. */
  bootMs: number;
  /** GANTRY_TEST_* variables for whatever was started. */
  toEnv(): Record<string, string>;
  /** Stops everything that was started (idempotent). */
  stop(): Promise<void>;
}

/** The environment variable names (one place, shared by toEnv/readEmulatorEnv and the tests). */
export const ENV = {
  s3Endpoint: "GANTRY_TEST_S3_ENDPOINT",
  s3AccessKeyId: "GANTRY_TEST_S3_ACCESS_KEY_ID",
  s3SecretAccessKey: "GANTRY_TEST_S3_SECRET_ACCESS_KEY",
  s3Kind: "GANTRY_TEST_S3_KIND",
  s3Region: "GANTRY_TEST_S3_REGION",
  azureEndpoint: "GANTRY_TEST_AZURE_ENDPOINT",
  azureAccount: "GANTRY_TEST_AZURE_ACCOUNT",
  azureKey: "GANTRY_TEST_AZURE_KEY",
  azureOAuthEndpoint: "GANTRY_TEST_AZURE_OAUTH_ENDPOINT",
  azureAuthorityHost: "GANTRY_TEST_AZURE_AUTHORITY_HOST",
  azureTenantId: "GANTRY_TEST_AZURE_TENANT_ID",
  azureClientId: "GANTRY_TEST_AZURE_CLIENT_ID",
  azureClientSecret: "GANTRY_TEST_AZURE_CLIENT_SECRET",
  azureCaCert: "GANTRY_TEST_AZURE_CA_CERT",
  gcsEndpoint: "GANTRY_TEST_GCS_ENDPOINT",
} as const;

/**
 * "radosgw"/"fauxqs" are taken as given; "auto" (or nothing) defers to GANTRY_TEST_S3_EMULATOR when
 * that is set, else picks radosgw when its binaries are installed, else fauxqs.
 */
export function resolveS3Choice(choice: S3Choice | undefined): "radosgw" | "fauxqs" {
  const fromEnv = process.env.GANTRY_TEST_S3_EMULATOR?.trim() || undefined;
  const wanted = (choice && choice !== "auto" ? choice : (fromEnv ?? "auto")) as S3Choice;
  if (wanted === "radosgw" || wanted === "fauxqs") return wanted;
  if (wanted !== "auto") {
    throw new Error(`unknown S3 emulator ${JSON.stringify(wanted)} (radosgw|fauxqs|auto; GANTRY_TEST_S3_EMULATOR)`);
  }
  return missingRadosgwBinaries().length === 0 ? "radosgw" : "fauxqs";
}

export async function startS3Emulator(
  choice?: S3Choice,
  opts: { port?: number; log?: (m: string) => void } = {},
): Promise<S3EmulatorHandle> {
  return resolveS3Choice(choice) === "radosgw"
    ? startRadosgw({ port: opts.port, log: opts.log })
    : startFauxqs({ port: opts.port });
}

export async function startGcs(opts: { port?: number } = {}): Promise<GcsHandle> {
  const t0 = Date.now();
  const gcs = await startGcsEmulator({ port: opts.port, host: "127.0.0.1" });
  return { endpoint: gcs.endpoint, port: gcs.port, bootMs: Date.now() - t0, stop: () => gcs.stop() };
}

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  const t0 = Date.now();
  const log = options.log;
  const only = new Set(options.only ?? ["s3", "azure", "azureOAuth", "gcs"]);
  const ports = options.ports ?? {};
  const result: Omit<Emulators, "toEnv" | "stop" | "bootMs"> = {};

  const timed = async <T extends object>(name: string, start: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const handle = await start();
    log?.(`${name} ready in ${Date.now() - t} ms`);
    return handle;
  };
  const tasks: Array<Promise<unknown>> = [];
  if (only.has("s3")) {
    tasks.push(
      timed("s3", () => startS3Emulator(options.s3, { port: ports.s3, log })).then((h) => (result.s3 = h)),
    );
  }
  if (only.has("azure")) {
    tasks.push(timed("azure", () => startAzurite({ port: ports.azure })).then((h) => (result.azure = h)));
  }
  if (only.has("azureOAuth")) {
    tasks.push(
      timed("azure-oauth", () =>
        startAzuriteOAuth({ port: ports.azureOAuth, tokenPort: ports.azureToken, caDir: options.caDir }),
      ).then((h) => (result.azureOAuth = h)),
    );
  }
  if (only.has("gcs")) {
    tasks.push(timed("gcs", () => startGcs({ port: ports.gcs })).then((h) => (result.gcs = h)));
  }

  const stopAll = async () => {
    const handles = [result.s3, result.azure, result.azureOAuth, result.gcs].filter((h) => h !== undefined);
    const outcomes = await Promise.allSettled(handles.map((h) => h.stop()));
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed.length) {
      throw new AggregateError(failed.map((f) => f.reason), "stopping emulators failed");
    }
  };

  const settled = await Promise.allSettled(tasks);
  const errors = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected").map((s) => s.reason);
  if (errors.length) {
    await stopAll().catch(() => {});
    const message = errors.map((e) => (e instanceof Error ? e.message : String(e))).join("\n\n");
    throw new Error(`starting emulators failed:\n${message}`);
  }

  let stopped = false;
  const emulators: Emulators = {
    ...result,
    bootMs: Date.now() - t0,
    toEnv: () => emulatorsToEnv(emulators),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
  return emulators;
}

export function emulatorsToEnv(e: Pick<Emulators, "s3" | "azure" | "azureOAuth" | "gcs">): Record<string, string> {
  const env: Record<string, string> = {};
  if (e.s3) {
    env[ENV.s3Endpoint] = e.s3.endpoint;
    env[ENV.s3AccessKeyId] = e.s3.accessKeyId;
    env[ENV.s3SecretAccessKey] = e.s3.secretAccessKey;
    env[ENV.s3Kind] = e.s3.kind;
    env[ENV.s3Region] = e.s3.region;
  }
  if (e.azure) {
    env[ENV.azureEndpoint] = e.azure.endpoint;
    env[ENV.azureAccount] = e.azure.accountName;
    env[ENV.azureKey] = e.azure.accountKey;
  }
  if (e.azureOAuth) {
    env[ENV.azureOAuthEndpoint] = e.azureOAuth.endpoint;
    env[ENV.azureAuthorityHost] = e.azureOAuth.authorityHost;
    env[ENV.azureTenantId] = e.azureOAuth.tenantId;
    env[ENV.azureClientId] = e.azureOAuth.clientId;
    env[ENV.azureClientSecret] = e.azureOAuth.clientSecret;
    env[ENV.azureCaCert] = e.azureOAuth.caCertPath;
    // The account key works on the OAuth instance too; without a plain instance, point at it.
    if (!e.azure) {
      env[ENV.azureAccount] = e.azureOAuth.accountName;
      env[ENV.azureKey] = e.azureOAuth.accountKey;
    }
  }
  if (e.gcs) env[ENV.gcsEndpoint] = e.gcs.endpoint;
  return env;
}

export interface EmulatorEnv {
  s3?: { endpoint: string; accessKeyId: string; secretAccessKey: string; kind: "radosgw" | "fauxqs"; region: string };
  azure?: { endpoint: string; accountName: string; accountKey: string };
  azureOAuth?: {
    endpoint: string;
    authorityHost: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    /** Path of the CA that signed the endpoints' certificates (may be absent if set up externally). */
    caCertPath?: string;
  };
  gcs?: { endpoint: string };
}

/** Reads what toEnv() wrote. A group is present only when all its required variables are set. */
export function readEmulatorEnv(env: Record<string, string | undefined> = process.env): EmulatorEnv {
  const out: EmulatorEnv = {};
  const get = (k: string) => (env[k] && env[k]!.trim() !== "" ? env[k]!.trim() : undefined);
  const s3 = [get(ENV.s3Endpoint), get(ENV.s3AccessKeyId), get(ENV.s3SecretAccessKey)];
  if (s3.every(Boolean)) {
    const kind = get(ENV.s3Kind);
    if (kind && kind !== "radosgw" && kind !== "fauxqs") throw new Error(`${ENV.s3Kind}=${kind}: expected radosgw|fauxqs`);
    out.s3 = {
      endpoint: s3[0]!,
      accessKeyId: s3[1]!,
      secretAccessKey: s3[2]!,
      kind: (kind as "radosgw" | "fauxqs" | undefined) ?? "radosgw",
      region: get(ENV.s3Region) ?? "us-east-1",
    };
  }
  const az = [get(ENV.azureEndpoint), get(ENV.azureAccount), get(ENV.azureKey)];
  if (az.every(Boolean)) out.azure = { endpoint: az[0]!, accountName: az[1]!, accountKey: az[2]! };
  const oa = [
    get(ENV.azureOAuthEndpoint),
    get(ENV.azureAuthorityHost),
    get(ENV.azureTenantId),
    get(ENV.azureClientId),
    get(ENV.azureClientSecret),
  ];
  if (oa.every(Boolean)) {
    out.azureOAuth = {
      endpoint: oa[0]!,
      authorityHost: oa[1]!,
      tenantId: oa[2]!,
      clientId: oa[3]!,
      clientSecret: oa[4]!,
      caCertPath: get(ENV.azureCaCert),
    };
  }
  const gcs = get(ENV.gcsEndpoint);
  if (gcs) out.gcs = { endpoint: gcs };
  return out;
}

export { startRadosgw, missingRadosgwBinaries } from "./s3-radosgw";
export type { S3EmulatorHandle, RadosgwHandle, RadosgwOptions } from "./s3-radosgw";
export { startFauxqs } from "./s3-fauxqs";
export type { FauxqsHandle, FauxqsOptions } from "./s3-fauxqs";
export {
  startAzurite,
  startAzuriteOAuth,
  ensureTestCa,
  defaultTestCaDir,
  withTestCa,
  AZURITE_ACCOUNT_NAME,
  AZURITE_ACCOUNT_KEY,
} from "./azurite";
export type { AzuriteHandle, AzuriteOAuthHandle, AzuriteOptions, AzuriteOAuthOptions, TestCa } from "./azurite";
