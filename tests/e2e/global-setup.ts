import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { readEmulatorEnv, startEmulators } from "../../scripts/emulators/index";
import { lockPathFor } from "../../lib/db/embedded";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

let server: ChildProcess | undefined;
let dataDir: string | undefined;

export default async function setup(project: TestProject) {
  const root = path.resolve(__dirname, "../..");
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) throw new Error("e2e tests need a production build: run `npm run build` first");
  // One S3 emulator for the connector journey (reused when CI already runs them).
  let stopEmulators: (() => Promise<void>) | undefined;
  if (!readEmulatorEnv(process.env).s3) {
    const emu = await startEmulators({ only: ["s3"] });
    Object.assign(process.env, emu.toEnv());
    stopEmulators = () => emu.stop();
  }
  process.env.GANTRY_OUTBOUND_ALLOWLIST ??= "127.0.0.1,localhost";
  const port = await freePort();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "gantry-e2e-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), GANTRY_DATA_DIR: dataDir, GANTRY_LOG_LEVEL: "warn", NEXT_TELEMETRY_DISABLED: "1" };
  // The browser test runs its own embedded database unless the suite is pointed at PostgreSQL.
  if (!process.env.GANTRY_E2E_DATABASE_URL) delete env.DATABASE_URL;
  else env.DATABASE_URL = process.env.GANTRY_E2E_DATABASE_URL;
  server = spawn(path.join(root, "node_modules/.bin/tsx"), ["scripts/start.ts", "start"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`gantry exited early:\n${log}`);
    try {
      const r = await fetch(`${base}/sign-in`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gantry did not start within 90 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  project.provide("baseUrl", base);
  // The server's database, for tests that seed rows the UI cannot make yet (e.g. finished prompt runs).
  project.provide("databaseUrl", process.env.GANTRY_E2E_DATABASE_URL ?? embeddedUrl(dataDir));
  return async () => {
    server?.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1500));
    if (server && server.exitCode === null) server.kill("SIGKILL");
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await stopEmulators?.();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    databaseUrl: string;
  }
}

/** The URL of the server's embedded database, from its owner lock (the operator CLI borrows it the same way). */
function embeddedUrl(dir: string): string {
  const lock = JSON.parse(readFileSync(lockPathFor(path.join(dir, "pglite")), "utf8")) as { url: string | null };
  return lock.url ?? "";
}
