/**
 * fauxqs (npm, SNS/SQS/S3 emulator) as the light S3 fallback when Ceph radosgw is not installed.
 *
 * Limits (measured, see /work/shared/emulators.md):
 * - it checks no credentials at all (any key/secret, even a wrong one, is accepted), so credential
 *   tests must be skipped or expect success on it (`checksCredentials: false`);
 * - a single request body is capped at 11 MiB (Fastify bodyLimit): bigger objects need multipart;
 * - everything is kept in memory in this process.
 *
 * Binding: fauxqs's own `startFauxqs()` always listens on 0.0.0.0 (its `host` option only changes the
 * host written into SQS queue URLs). We build the same app with its exported `buildApp()` and listen
 * on 127.0.0.1 ourselves, so nothing is exposed beyond loopback. It runs in-process (no child).
 */
import type { S3EmulatorHandle } from "./s3-radosgw";

export interface FauxqsHandle extends S3EmulatorHandle {
  kind: "fauxqs";
}

export interface FauxqsOptions {
  /** Port on 127.0.0.1 (default: a free port). */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Fastify request logging (default false). */
  logger?: boolean;
}

/** Any value works: fauxqs does not check them. These mirror the radosgw test keys' shape. */
export const FAUXQS_TEST_ACCESS_KEY_ID = "GANTRYTESTACCESSKEY0";
export const FAUXQS_TEST_SECRET_ACCESS_KEY = "gantry-test-secret-0123456789abcdefABCDEF";

export async function startFauxqs(options: FauxqsOptions = {}): Promise<FauxqsHandle> {
  const t0 = Date.now();
  const host = options.host ?? "127.0.0.1";
  // Loaded lazily: fauxqs is ESM-only (import condition only) while tsx runs these scripts as CJS.
  const { buildApp } = await import("fauxqs");
  const app = buildApp({ logger: options.logger ?? false, defaultRegion: "us-east-1" });
  let address: string;
  try {
    address = await app.listen({ port: options.port ?? 0, host });
  } catch (err) {
    await app.close().catch(() => {});
    throw new Error(`fauxqs: could not listen on ${host}:${options.port ?? 0}: ${(err as Error).message}`);
  }
  const port = Number(new URL(address).port);
  let stopped = false;
  return {
    kind: "fauxqs",
    endpoint: `http://127.0.0.1:${port}`,
    port,
    region: "us-east-1",
    accessKeyId: FAUXQS_TEST_ACCESS_KEY_ID,
    secretAccessKey: FAUXQS_TEST_SECRET_ACCESS_KEY,
    bootMs: Date.now() - t0,
    checksCredentials: false,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
  };
}
