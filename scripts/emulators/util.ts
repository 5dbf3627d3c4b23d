/**
 * Small process/network helpers shared by the emulator launchers. Nothing here talks to anything but
 * 127.0.0.1 and the local filesystem.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync, openSync, closeSync, readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import http from "node:http";
import path from "node:path";

/** Asks the kernel for a free TCP port on `host` (there is a small race until the caller binds it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("could not allocate a port"))));
    });
  });
}

/** Absolute path of an executable found on PATH, or null. */
export function which(cmd: string): string | null {
  if (cmd.includes("/")) return isExecutable(cmd) ? cmd : null;
  for (const dir of (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  // Debian puts some daemons in sbin dirs that are not always on a non-root PATH.
  for (const dir of ["/usr/sbin", "/sbin"]) {
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Last `lines` lines of a text file ("" when it does not exist). */
export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return "";
  try {
    const text = readFileSync(file, "utf8");
    return text.split("\n").filter((l) => l.trim() !== "").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Formats the tails of several log files for an error message. */
export function logTails(files: Array<[label: string, file: string]>, lines = 25): string {
  return files
    .map(([label, file]) => {
      const t = tailFile(file, lines);
      return `--- ${label} (${file}) ---\n${t || "(empty or missing)"}`;
    })
    .join("\n");
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs a command to completion with a hard timeout; rejects (with its output) on a non-zero exit,
 * a spawn error or the timeout.
 */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; input?: string; allowFailure?: boolean } = {},
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    trackChild(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} could not be started: ${err.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const describe = `${cmd} ${args.join(" ")}`;
      const output = `\nstdout: ${stdout.trim().slice(-2000)}\nstderr: ${stderr.trim().slice(-2000)}`;
      if (timedOut) return reject(new Error(`${describe} timed out after ${timeoutMs} ms${output}`));
      const rc = code ?? (signal ? 128 : 1);
      if (rc !== 0 && !opts.allowFailure) {
        return reject(new Error(`${describe} exited with ${signal ?? rc}${output}`));
      }
      resolve({ stdout, stderr, code: rc });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/**
 * Spawns a long-running child with stdout+stderr appended to `logFile`. The child must not
 * daemonize (fork away). It dies with this process: via an 'exit' hook, and, when util-linux's
 * `setpriv` is there (always on Debian), via PR_SET_PDEATHSIG, which also covers this process being
 * SIGKILLed (e.g. a vitest worker killed on timeout). The returned pid is the daemon's own
 * (setpriv execs it).
 */
export function spawnDaemon(
  cmd: string,
  args: string[],
  logFile: string,
  opts: Omit<SpawnOptions, "stdio"> = {},
): ChildProcess {
  const fd = openSync(logFile, "a");
  try {
    const setpriv = which("setpriv");
    const [file, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", cmd, ...args]] : [cmd, args];
    const child = spawn(file, argv, { ...opts, stdio: ["ignore", fd, fd] });
    trackChild(child);
    return child;
  } finally {
    closeSync(fd);
  }
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  child.once("error", () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of liveChildren) {
        try {
          c.kill("SIGKILL");
        } catch {
          /* already gone */
        }
      }
    });
  }
}

/** Resolves true once `check` returns true, false after `timeoutMs`. `check` errors count as "not yet". */
export async function pollUntil(
  check: () => Promise<boolean> | boolean,
  { timeoutMs, intervalMs = 100, abort }: { timeoutMs: number; intervalMs?: number; abort?: () => string | null },
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = abort?.();
    if (reason) throw new Error(reason);
    try {
      if (await check()) return true;
    } catch {
      /* not yet */
    }
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One plain HTTP GET; resolves to the status code, or null when nothing answers. */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

/** Whether something accepts TCP connections on host:port. */
export function tcpOpen(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the pid is gone (or after the SIGKILL). */
export async function killPid(pid: number, graceMs = 3000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  if (await pollUntil(() => !isAlive(pid), { timeoutMs: graceMs, intervalMs: 50 })) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  await pollUntil(() => !isAlive(pid), { timeoutMs: 2000, intervalMs: 50 });
}

/** Reads an integer pid from a pid file, or null. */
export function readPidFile(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/** Root of the repository (scripts/emulators/../..). */
export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
