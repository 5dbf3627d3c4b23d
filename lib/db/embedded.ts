// The embedded default database: one PGlite (a directory under .data/, or memory://) served on a
// loopback port by pglite-server's PGLiteSocketServer, so the app, migrations, psql and tests all speak
// the PostgreSQL wire protocol through the ordinary `pg` driver, the same code path as production.
//
// Single owner: two processes opening one PGlite directory corrupt it (shared/stack-notes.md), so the
// process that opens a directory writes `<dataDir>.lock.json` ({pid, port, url}) and everyone else
// connects to that url. resolveDatabaseUrl() is the one entry point for scripts: DATABASE_URL if set,
// else a live owner's url (the CLI next to `npm run dev`), else an in-process owner.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { installBatchAwareQueue } from "./pglite-queue";

export interface EmbeddedDatabaseOptions {
  /** PGlite data directory (default: `$GANTRY_DATA_DIR/pglite`, GANTRY_DATA_DIR defaulting to `.data`). */
  dataDir?: string;
  /** Keep everything in memory (tests, the migration shadow database): no directory, no lock file. */
  memory?: boolean;
  /** Loopback port to listen on; a free one when omitted. */
  port?: number;
  /** Socket connections accepted at once. Must exceed every pool pointed at it: connection N+1 is
   *  accepted and then dropped by pglite-server. Default 100. */
  maxConnections?: number;
  /** Close PGlite cleanly on SIGINT/SIGTERM and drop the lock on exit. Default true. */
  installSignalHandlers?: boolean;
  /** This owner is a short command (migrations, status) that will stop the database when done: other
   *  processes wait for it to finish and become the owner themselves instead of borrowing its server. */
  transient?: boolean;
}

export interface EmbeddedDatabase {
  /** postgresql://postgres:postgres@127.0.0.1:PORT/postgres?sslmode=disable */
  url: string;
  port: number;
  /** Absolute data directory, or null in memory mode. */
  dataDir: string | null;
  /** Stops the socket server, closes PGlite (flushes and checkpoints) and removes the lock. Idempotent. */
  stop(): Promise<void>;
}

interface OwnerLock {
  pid: number;
  port: number | null;
  url: string | null;
  dataDir: string;
  startedAt: string;
  transient?: boolean;
}

/** Thrown by startEmbeddedDatabase when another live process owns the directory. */
export class EmbeddedDatabaseOwnedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
    readonly ownerUrl: string | null,
  ) {
    super(`embedded database ${dataDir} is already owned by pid ${ownerPid}${ownerUrl ? ` at ${ownerUrl}` : ""}; use resolveDatabaseUrl() to connect to it`);
    this.name = "EmbeddedDatabaseOwnedError";
  }
}

export function defaultDataDir(): string {
  return path.resolve(process.env.GANTRY_DATA_DIR ?? ".data", "pglite");
}

export function lockPathFor(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock.json`;
}

/** pglite-server takes any user, password and database name from the startup message and serves its one
 *  database; these are the names pglite-server's own `--run` uses, so URLs look the same everywhere. */
function urlFor(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Guards against pid reuse after a crash: on Linux, a live pid whose command line is not node is not
 *  our owner. Elsewhere we cannot tell, so a live pid counts as the owner. */
function pidLooksLikeNode(pid: number): boolean {
  try {
    return /node|tsx/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return process.platform !== "linux";
  }
}

/**
 * Whether the owner's server answers a query. Generous: a busy owner (first start's migrations hold the
 * one session; a bench seeding storage at the same time) took over 2 s to accept a connection, and the
 * CLI then refused to run against a healthy server.
 */
async function answers(url: string, timeoutMs = 15_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // An 'error' event after a failed connect must not crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function readLock(lockPath: string): OwnerLock | null {
  try {
    return JSON.parse(readFileSync(lockPath, "utf8")) as OwnerLock;
  } catch {
    return null;
  }
}

type LockState = { kind: "none" } | { kind: "live"; lock: OwnerLock } | { kind: "starting"; lock: OwnerLock } | { kind: "stale"; raw: string };

async function inspectLock(lockPath: string): Promise<LockState> {
  let raw: string;
  try {
    raw = readFileSync(lockPath, "utf8");
  } catch {
    return { kind: "none" };
  }
  let lock: OwnerLock;
  try {
    lock = JSON.parse(raw) as OwnerLock;
  } catch {
    // Written non-atomically by something else, or truncated: treat as stale.
    return { kind: "stale", raw };
  }
  if (!pidAlive(lock.pid) || !pidLooksLikeNode(lock.pid)) return { kind: "stale", raw };
  if (!lock.url) return { kind: "starting", lock };
  if (lock.pid === process.pid) return { kind: "live", lock };
  if (await answers(lock.url)) return { kind: "live", lock };
  // The owner process is alive but its port does not answer: it may be hung or shutting down. Opening
  // the directory now risks the corruption this lock exists to prevent, so refuse loudly.
  throw new Error(
    `embedded database ${lock.dataDir} is owned by pid ${lock.pid} (${lock.url}), which does not answer; ` +
      `stop that process, or delete ${lockPath} if you are sure it is not running`,
  );
}

/**
 * Returns the lock of a live, long-lived owner, or null when this process should start the database (no
 * owner, or a stale lock, which startEmbeddedDatabase clears). Waits while an owner is still starting
 * (up to 30 s) and while a transient owner (a migration command) is running (up to 5 min): borrowing a
 * transient owner's server would lose the database the moment that command finishes.
 */
async function findLiveOwner(lockPath: string): Promise<OwnerLock | null> {
  const startingDeadline = Date.now() + 30_000;
  const transientDeadline = Date.now() + 5 * 60_000;
  let announced = false;
  for (;;) {
    const state = await inspectLock(lockPath);
    if (state.kind === "none" || state.kind === "stale") return null;
    if (state.kind === "live" && !state.lock.transient) return state.lock;
    if (state.kind === "starting" && Date.now() > startingDeadline) {
      throw new Error(`embedded database owner pid ${state.lock.pid} did not finish starting within 30 s (${lockPath})`);
    }
    if (state.lock.transient) {
      if (Date.now() > transientDeadline) throw new Error(`embedded database is still held by command pid ${state.lock.pid} after 5 min (${lockPath})`);
      if (!announced) console.error(`[gantry] waiting for pid ${state.lock.pid} to release the embedded database…`);
      announced = true;
    }
    await sleep(200);
  }
}

/** Takes the lock file with O_EXCL, so two processes starting at once cannot both win. */
async function acquireLock(lockPath: string, dataDir: string, transient: boolean): Promise<void> {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      const lock: OwnerLock = { pid: process.pid, port: null, url: null, dataDir, startedAt: new Date().toISOString(), transient };
      writeFileSync(fd, JSON.stringify(lock, null, 2));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const state = await inspectLock(lockPath);
    if (state.kind === "live" || state.kind === "starting") throw new EmbeddedDatabaseOwnedError(dataDir, state.lock.pid, state.lock.url);
    if (state.kind === "stale") {
      // Remove only the stale content we inspected: if another process replaced it meanwhile, the
      // next attempt sees its lock instead.
      try {
        if (readFileSync(lockPath, "utf8") === state.raw) rmSync(lockPath, { force: true });
      } catch {
        // gone already
      }
    }
  }
  throw new Error(`could not acquire ${lockPath}`);
}

function writeLockAtomically(lockPath: string, lock: OwnerLock): void {
  const tmp = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(lock, null, 2));
  renameSync(tmp, lockPath);
}

function removeOwnLock(lockPath: string): void {
  const lock = readLock(lockPath);
  if (lock && lock.pid === process.pid) rmSync(lockPath, { force: true });
}

// ---------------------------------------------------------------------------------------------------
// initdb template

/**
 * A fresh PGlite runs initdb (inside a second wasm instance) on every start: 3–10 s here, paid by every
 * in-memory database (each test run, each migration shadow). Loading a tarball of a freshly initialised
 * data directory takes a fraction of that, so the first fresh start saves one and later fresh starts load
 * it. Keyed by the PGlite version; kept in node_modules/.cache like other tool caches. Best effort: any
 * failure falls back to a plain initdb.
 */
function templatePath(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve("@electric-sql/pglite");
    const pkgDir = path.resolve(path.dirname(entry), "..");
    const version = (JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string }).version;
    const marker = `${path.sep}node_modules${path.sep}`;
    const at = pkgDir.lastIndexOf(marker);
    const cacheDir = at >= 0 ? path.join(pkgDir.slice(0, at + marker.length), ".cache", "gantry") : path.join(os.tmpdir(), "gantry-cache");
    return path.join(cacheDir, `pglite-${version}-initdb.tar.gz`);
  } catch {
    return null;
  }
}

function loadTemplate(file: string | null): File | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return new File([readFileSync(file)], path.basename(file), { type: "application/x-gzip" });
  } catch {
    return undefined;
  }
}

async function saveTemplate(db: PGlite, file: string | null): Promise<void> {
  if (!file) return;
  try {
    const dump = await db.dumpDataDir("gzip");
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    // rename is atomic: concurrent writers each install a complete file.
    renameSync(tmp, file);
  } catch {
    // A cache, nothing more.
  }
}

/** Opens PGlite on `dataDir` (null: memory), from the initdb template when there is no database yet. */
async function openPglite(dataDir: string | null): Promise<PGlite> {
  const dirExisted = dataDir !== null && existsSync(dataDir);
  // Only a missing or empty directory is new; anything else is left to PGlite (resume or refuse).
  if (dataDir !== null && dirExisted && readdirSync(dataDir).length > 0) return PGlite.create(dataDir);
  const file = templatePath();
  const template = loadTemplate(file);
  if (template) {
    try {
      return await PGlite.create(dataDir ?? "memory://", { loadDataDir: template });
    } catch (err) {
      // Unreadable or incompatible template: drop it and initialise normally, after removing what a
      // partial extraction left, but only from a directory this call created.
      if (file) rmSync(file, { force: true });
      if (dataDir !== null) {
        if (dirExisted) throw err;
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
  const db = await PGlite.create(dataDir ?? "memory://");
  // Only from a memory database: it holds nothing but initdb's output at this point.
  if (dataDir === null) await saveTemplate(db, file);
  return db;
}

// ---------------------------------------------------------------------------------------------------

export async function startEmbeddedDatabase(opts: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const memory = opts.memory === true;
  const dataDir = memory ? null : path.resolve(opts.dataDir ?? defaultDataDir());
  const lockPath = dataDir ? lockPathFor(dataDir) : null;
  if (dataDir && lockPath) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    // The lock is taken before PGlite touches the directory; port and url are filled in once listening.
    await acquireLock(lockPath, dataDir, opts.transient === true);
  }

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await openPglite(dataDir);
    server = new PGLiteSocketServer({
      db,
      host: "127.0.0.1",
      port: opts.port ?? 0,
      maxConnections: opts.maxConnections ?? 100,
    });
    // Keep each connection's Parse/Bind/Execute/Sync batch together (see lib/db/pglite-queue.ts).
    installBatchAwareQueue(server, db);
    await server.start();
  } catch (err) {
    await server?.stop().catch(() => {});
    await db?.close().catch(() => {});
    if (lockPath) removeOwnLock(lockPath);
    throw err;
  }

  // With port 0 the OS picks; the server records the bound port in getServerConn() ("host:port").
  const port = Number(server.getServerConn().split(":").pop());
  const url = urlFor(port);
  if (dataDir && lockPath) {
    const lock = readLock(lockPath);
    writeLockAtomically(lockPath, { pid: process.pid, port, url, dataDir, startedAt: lock?.startedAt ?? new Date().toISOString(), transient: opts.transient === true });
  }

  let stopping: Promise<void> | undefined;
  const handlers: Array<[string, (...a: unknown[]) => void]> = [];
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const [ev, fn] of handlers) process.removeListener(ev, fn);
      try {
        await server.stop();
      } finally {
        // close() flushes and shuts PGlite down cleanly; after an unclean stop sequences jump ahead by
        // their cached values on the next start.
        try {
          if (!db.closed) await db.close();
        } finally {
          if (lockPath) removeOwnLock(lockPath);
        }
      }
    })();
    return stopping;
  };

  if (opts.installSignalHandlers !== false) {
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      const onSignal = () => {
        // Another listener means the host program (e.g. scripts/start.ts) owns the shutdown: it stops
        // its children first and then calls stop() itself, so the database outlives its clients.
        if (process.listenerCount(sig) > 1) return;
        // Otherwise close cleanly, then re-raise: our listener is gone by then, so the default action
        // ends the process with the conventional signal status.
        void stop().finally(() => process.kill(process.pid, sig));
      };
      process.on(sig, onSignal);
      handlers.push([sig, onSignal]);
    }
    // 'exit' handlers run synchronously: PGlite cannot be closed there, but the lock can be released so
    // the next start does not have to judge it stale.
    const onExit = () => {
      if (lockPath) removeOwnLock(lockPath);
    };
    process.on("exit", onExit);
    handlers.push(["exit", onExit]);
  }

  return { url, port, dataDir, stop };
}

export interface ResolvedDatabase {
  url: string;
  /** Where the url came from. */
  source: "env" | "owner" | "embedded";
  /** Present only when this process started the database (source "embedded"): call it before exit. */
  stop?: () => Promise<void>;
}

export interface ResolveOptions extends Pick<EmbeddedDatabaseOptions, "dataDir" | "maxConnections" | "port"> {
  /** The caller is a short command that stops the database when done (see EmbeddedDatabaseOptions). */
  transient?: boolean;
}

/**
 * DATABASE_URL when set; else the url of a live owner of the embedded directory (so the CLI works next to
 * `npm run dev`); else starts the embedded database in this process and returns it with a stop handle.
 */
export async function resolveDatabaseUrl(opts: ResolveOptions = {}): Promise<ResolvedDatabase> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, source: "env" };
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
  const lockPath = lockPathFor(dataDir);
  for (let attempt = 1; ; attempt++) {
    const owner = await findLiveOwner(lockPath);
    if (owner?.url) return { url: owner.url, source: "owner" };
    try {
      const started = await startEmbeddedDatabase({ ...opts, dataDir });
      return { url: started.url, source: "embedded", stop: started.stop };
    } catch (err) {
      // Another process won the race to start it between our look and our start: use theirs.
      if (err instanceof EmbeddedDatabaseOwnedError && attempt < 5) continue;
      throw err;
    }
  }
}

/** True when the url's server is PGlite behind pglite-server (one shared session; see stack-notes). */
export async function isPgliteServer(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    const r = await client.query<{ v: string }>("SELECT version() AS v");
    return /PGlite/i.test(r.rows[0]?.v ?? "");
  } finally {
    await client.end().catch(() => {});
  }
}
