import { createHash, randomBytes } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";

// The one Prisma client and the one connection pool under it. DATABASE_URL always points at a PostgreSQL
// wire endpoint: the operator's PostgreSQL, or the embedded PGlite served by pglite-server
// (lib/db/embedded.ts). Hot paths use the pool directly (sql / sqlTransaction): API-key authentication
// with its rate limit, the connector lookup, an import scan's pages, a runner's per-file claim and record.
// Prisma's query pipeline costs up to ~2 ms of CPU per statement (0.3 ms for a raw query) on that thread.
const globalForPrisma = globalThis as unknown as { __gantryPrisma?: PrismaClient; __gantryPool?: pg.Pool };

/**
 * Connection settings for Gantry's sessions: always in UTC. Timestamps are `timestamp` columns holding
 * UTC (Prisma writes and reads them as UTC); the statements that say `now()` (claims, completion times,
 * column defaults) would otherwise write the server's local time: on a PostgreSQL whose TimeZone is
 * America/New_York, five hours off. Options already in the URL (`?options=-c search_path=…`) are kept;
 * node-postgres lets the URL's options replace the config's, so they are merged here.
 */
export function sessionConfig(url: string): { connectionString: string; options: string } {
  // Only the query string is read (WHATWG URL refuses libpq forms like postgresql://user@/db?host=/run).
  const q = url.indexOf("?");
  const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  const own = params.get("options");
  if (own === null) return { connectionString: url, options: "-c TimeZone=UTC" };
  params.delete("options");
  const rest = params.toString();
  const base = q < 0 ? url : url.slice(0, q);
  return { connectionString: rest ? `${base}?${rest}` : base, options: [own, "-c TimeZone=UTC"].filter(Boolean).join(" ") };
}

function pool(): pg.Pool {
  if (globalForPrisma.__gantryPool) return globalForPrisma.__gantryPool;
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (start Gantry through npm run dev/start, which provide it)");
  const p = new pg.Pool({
    ...sessionConfig(url),
    max: Number(process.env.GANTRY_DB_POOL_SIZE ?? 10),
    // The embedded database keeps every connection's prepared statements in its one session (see
    // preparedQuery): its connections stay open rather than being replaced after 10 s idle, each time
    // leaving their statements behind.
    ...(process.env.GANTRY_DATABASE_MODE === "embedded" ? { idleTimeoutMillis: 0 } : {}),
  });
  // An idle connection the server closed (restart, failover) must not take the process down; the
  // pool replaces it on the next query.
  p.on("error", () => {});
  return (globalForPrisma.__gantryPool = p);
}

function createClient(): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg(pool(), { disposeExternalPool: true }),
    // Waiting up to 10 s (Prisma's default: 2 s) for a transaction to start: the embedded database runs
    // one transaction at a time, and under load (a bench seeding storage while the server starts) the
    // CLI's `users create` failed with "Unable to start a transaction in the given time".
    transactionOptions: { maxWait: 10_000 },
  });
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_t, prop) {
    globalForPrisma.__gantryPrisma ??= createClient();
    const client = globalForPrisma.__gantryPrisma as unknown as Record<string | symbol, unknown>;
    const value = client[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(client) : value;
  },
});

/** `prepare`: a hot statement of fixed text, parsed and planned once per connection (see preparedQuery). */
export type SqlOptions = { prepare?: boolean };

/**
 * A plain parameterised statement on the shared pool, for hot paths only. Results use pg's own type
 * parsing: select booleans, text and numbers, not TIMESTAMP columns (pg would read Prisma's UTC
 * timestamps in the process's local zone).
 */
export async function sql<R extends pg.QueryResultRow>(text: string, params: unknown[], opts?: SqlOptions): Promise<R[]> {
  params = withTextArrays(params);
  if (!opts?.prepare) return (await pool().query<R>(text, params)).rows;
  const client = await pool().connect();
  let failed: Error | undefined;
  try {
    return (await client.query<R>(preparedQuery(client, text, params))).rows;
  } catch (err) {
    // An error the server answered (a unique violation…) leaves the connection and its statements usable.
    if (!(err instanceof pg.DatabaseError)) failed = err as Error;
    throw err;
  } finally {
    client.release(failed);
  }
}

export type SqlQuery = <R extends pg.QueryResultRow>(text: string, params: unknown[], opts?: SqlOptions) => Promise<R[]>;

/**
 * Arrays of strings (and nulls) as PostgreSQL array literals, written here in one pass: pg serialises each
 * element with two regex replaces and a type dispatch (a scan page's 7 arrays of 1,000: ~2 ms of the main
 * thread per page in a rescan's CPU profile). The literal is exactly pg's (tests/unit/db-arrays.test.ts).
 * Other parameters, and arrays of anything else, are left to pg.
 */
export function withTextArrays(params: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (!Array.isArray(p) || !p.every((x) => typeof x === "string" || x === null)) continue;
    (out ??= params.slice())[i] = textArrayLiteral(p as (string | null)[]);
  }
  return out ?? params;
}

const NEEDS_ESCAPE = /["\\]/;

/** `{"a","b\\"c",NULL}`: each string quoted, `"` and `\` backslash-escaped, null as NULL (what pg's arrayString makes). */
export function textArrayLiteral(values: (string | null)[]): string {
  let s = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) s += ",";
    const v = values[i];
    if (v === null) s += "NULL";
    else s += NEEDS_ESCAPE.test(v) ? `"${v.replace(/["\\]/g, "\\$&")}"` : `"${v}"`;
  }
  return s + "}";
}

const PROCESS_TAG = randomBytes(3).toString("hex");
const connectionTags = new WeakMap<pg.ClientBase, string>();
let connections = 0;
const textTags = new Map<string, string>();

/**
 * A named prepared statement: the server parses and plans it on a connection's first use only, then binds
 * and executes (the import claim on the embedded database: 4.5 → 2.3 ms; on PostgreSQL, planning saved).
 * The name is the text's hash plus a tag of this process and connection: on the embedded database every
 * connection, of every process, shares one session, and so one namespace of prepared statements.
 */
function preparedQuery(client: pg.ClientBase, text: string, values: unknown[]): pg.QueryConfig {
  let conn = connectionTags.get(client);
  if (!conn) connectionTags.set(client, (conn = `${PROCESS_TAG}${(connections++).toString(36)}`));
  let t = textTags.get(text);
  if (!t) {
    t = createHash("sha256").update(text).digest("hex").slice(0, 16);
    if (textTags.size < 1000) textTags.set(text, t);
  }
  return { name: `g${t}_${conn}`, text, values };
}

/**
 * Plain statements in one transaction on one pooled connection: one commit (one WAL flush) for the lot.
 * On the embedded database a transaction holds the shared session until it ends, so keep them short.
 */
export async function sqlTransaction<T>(fn: (q: SqlQuery) => Promise<T>): Promise<T> {
  const client = await pool().connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn(async (text, params, opts) => {
      params = withTextArrays(params);
      return (await client.query(opts?.prepare ? preparedQuery(client, text, params) : { text, values: params })).rows;
    });
    await client.query("COMMIT");
    return result;
  } catch (err) {
    // A connection that cannot even roll back is dropped, not handed to the next caller.
    await client.query("ROLLBACK").catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export async function disconnectDb(): Promise<void> {
  const client = globalForPrisma.__gantryPrisma;
  const p = globalForPrisma.__gantryPool;
  globalForPrisma.__gantryPrisma = undefined;
  globalForPrisma.__gantryPool = undefined;
  if (client) await client.$disconnect(); // disposes the pool with it (disposeExternalPool)
  if (p && !p.ended) await p.end().catch(() => {});
}
