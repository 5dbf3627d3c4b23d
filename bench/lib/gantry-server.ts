// Starts Gantry for real (`tsx scripts/start.ts start`: the production build behind the launcher, with
// its embedded database unless a DATABASE_URL is given) on a free port, and mints an admin API key
// through the operator CLI against the same database.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./proc";

export interface GantryServer {
  baseUrl: string;
  port: number;
  /** pid of the launcher (tsx); the Next.js server runs below it. */
  pid: number;
  dataDir: string;
  logFile: string;
  /** The env the server was started with (secrets included: never print it). */
  env: Record<string, string>;
  /** postgresql:// url of the database the server uses (the embedded owner's, or --database-url). */
  databaseUrl(): string;
  apiKey: string;
  email: string;
  bootMs: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  databaseUrl?: string;
  /** Extra server environment (e.g. GANTRY_WORKER=off for an experiment). */
  extraEnv?: Record<string, string>;
  log?: (msg: string) => void;
  timeoutMs?: number;
}

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

export class MissingBuildError extends Error {}

export function assertProductionBuild(): void {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    throw new MissingBuildError(
      "No production build (.next/BUILD_ID is missing). This bench serves the real production build: run `npm run build` first.",
    );
  }
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/gantry.ts", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function waitForHttp(baseUrl: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Gantry exited (${child.exitCode ?? child.signalCode}) before answering; log tail:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/v2/openapi.json`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`Gantry did not answer within ${timeoutMs / 1000} s; log tail:\n${tail(logFile)}`);
    await sleep(250);
  }
}

export async function startGantry(opts: StartOptions = {}): Promise<GantryServer> {
  assertProductionBuild();
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gantry-bench-"));
  const dataDir = path.join(tmp, "data");
  const logFile = path.join(tmp, "server.log");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A fresh, isolated server: nothing of the caller's database, data dir or emulator settings.
    if (v === undefined || k === "DATABASE_URL" || k.startsWith("GANTRY_") || k === "AUTH_SECRET" || k === "PORT") continue;
    if (k === "NODE_ENV") continue;
    env[k] = v;
  }
  Object.assign(env, {
    NEXT_TELEMETRY_DISABLED: "1",
    GANTRY_DATA_DIR: dataDir,
    PORT: String(port),
    GANTRY_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost",
    GANTRY_RATE_LIMIT_PER_MINUTE: "100000",
    GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE: "100000",
    GANTRY_LOG_LEVEL: "warn",
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    GANTRY_KEK: `v1:${randomBytes(32).toString("base64")}`,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.extraEnv ?? {}),
  });

  const fd = openSync(logFile, "a");
  // Own process group, so stop() can reach the launcher, next and next-server at once.
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts", "start"], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  const pid = child.pid!;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        try {
          process.kill(-pid, "SIGTERM");
        } catch {
          /* gone */
        }
        const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
        if (!done) {
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            /* gone */
          }
          await Promise.race([exited, sleep(3000)]);
        }
      }
      // The server's log goes with its temp dir; GANTRY_BENCH_KEEP_LOG=<file> keeps a copy (traces, post-mortems).
      const keep = process.env.GANTRY_BENCH_KEEP_LOG;
      if (keep) {
        try {
          copyFileSync(logFile, keep);
        } catch (err) {
          console.error(`[bench] could not keep the server log at ${keep}: ${(err as Error).message}`);
        }
      }
      rmSync(tmp, { recursive: true, force: true });
    })());
  const onExit = () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  process.once("exit", onExit);

  try {
    log(`starting Gantry on ${baseUrl} (log: ${logFile})`);
    await waitForHttp(baseUrl, child, logFile, opts.timeoutMs ?? 180_000);
    const bootMs = Date.now() - t0;
    log(`Gantry answered after ${(bootMs / 1000).toFixed(1)} s`);

    // The CLI borrows the server's embedded database through its owner lock (same GANTRY_DATA_DIR).
    const cliEnv = { ...env } as NodeJS.ProcessEnv;
    delete cliEnv.PORT;
    const email = `bench-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}@example.com`;
    const password = randomBytes(18).toString("base64url");
    const u = await runCli(["users", "create", "--email", email, `--password=${password}`, "--name", "Bench"], cliEnv);
    if (u.code !== 0) throw new Error(`gantry users create failed (${u.code}): ${u.stderr || u.stdout}`);
    const k = await runCli(["api-keys", "create", "--email", email, "--name", "bench", "--scopes", "admin"], cliEnv);
    if (k.code !== 0) throw new Error(`gantry api-keys create failed (${k.code}): ${k.stderr || k.stdout}`);
    const apiKey = k.stdout.trim().split("\n").pop()!.trim();
    if (!apiKey.startsWith("sk_")) throw new Error(`gantry api-keys create printed no key: ${k.stdout}`);

    const databaseUrl = () => {
      if (opts.databaseUrl) return opts.databaseUrl;
      const lock = JSON.parse(readFileSync(`${path.join(dataDir, "pglite")}.lock.json`, "utf8")) as { url: string };
      return lock.url;
    };
    return { baseUrl, port, pid, dataDir, logFile, env, databaseUrl, apiKey, email, bootMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface ChildEmulator {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** The GCS emulator in a child process (bench/lib/gcs-emulator-process.ts). */
export async function startGcsEmulatorProcess(): Promise<ChildEmulator> {
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["bench/lib/gcs-emulator-process.ts"], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      /* gone */
    }
  };
  process.once("exit", kill);
  const info = await new Promise<{ endpoint: string; pid: number }>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("the GCS emulator process did not start within 60 s")), 60_000);
    child.stdout!.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(buf.slice(0, nl)));
        } catch (err) {
          reject(err);
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the GCS emulator process exited (${code})`));
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    endpoint: info.endpoint,
    pid: info.pid,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) kill();
        process.off("exit", kill);
      })()),
  };
}
