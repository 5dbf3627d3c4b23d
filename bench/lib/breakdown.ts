// `--breakdown`: where does a browse request's time go? Two kinds of evidence, both against the running
// server's own database and the same storage emulator:
//   HTTP probes   requests to the live server that isolate fixed per-request costs
//   in-process    each step of POST /connectors/{id}/browse (lib/api/handler.ts + lib/connectors/browse.ts)
//                 timed on its own, with the same lib/ code, database server and storage endpoint
// Samples are taken round-robin (step A, B, C, A, B, C, …) so that load swings on a shared machine hit
// every step alike. Nothing in lib/ or app/ is changed: lib/ modules are imported with the server's settings.
import zlib from "node:zlib";
import type { EmulatorEnv } from "../../scripts/emulators/index";
import type { Api } from "./api-client";
import type { GantryServer } from "./gantry-server";
import { median, ms, table } from "./stats";
import { rawStorage, type ProviderName } from "./storage";

export interface BreakdownInput {
  server: GantryServer;
  api: Api;
  provider: ProviderName;
  connectorId: string;
  prefix: string;
  objects: number;
  env: EmulatorEnv;
  bucket: string;
  rounds: number;
  log: (m: string) => void;
}

type Step = { name: string; fn: () => Promise<unknown> | unknown };

/** Runs every step once per iteration, `n` iterations (after one untimed warm-up); returns medians by name. */
async function roundRobin(n: number, steps: Step[]): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(steps.map((s) => [s.name, []]));
  for (const s of steps) await s.fn();
  for (let i = 0; i < n; i++) {
    for (const s of steps) {
      const t = performance.now();
      await s.fn();
      samples[s.name].push(performance.now() - t);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

let libEnvReady = false;
/** Points this process's lib/ code at the server's database and secrets (once per process). */
function useServerSettings(server: GantryServer) {
  if (libEnvReady) return;
  libEnvReady = true;
  process.env.DATABASE_URL = server.databaseUrl();
  for (const k of ["AUTH_SECRET", "GANTRY_KEK", "GANTRY_OUTBOUND_ALLOWLIST", "GANTRY_DATA_DIR", "GANTRY_RATE_LIMIT_PER_MINUTE", "GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE", "GANTRY_AZURE_AUTHORITY_HOST"]) {
    if (server.env[k] !== undefined) process.env[k] = server.env[k];
  }
  process.env.GANTRY_LOG_LEVEL = "error";
  process.env.GANTRY_DB_POOL_SIZE = "2";
}

export async function breakdown(b: BreakdownInput): Promise<string> {
  const { server, api, provider, connectorId, prefix, log } = b;
  const N = 30;
  const emptyPrefix = `${prefix}nothing-here/`;

  // --- HTTP probes ------------------------------------------------------------------------------
  log(`${provider}: breakdown (HTTP probes)`);
  const emptyRaw = rawStorage({ provider, bucket: b.bucket, prefix: emptyPrefix }, b.env);
  const http = await roundRobin(N, [
    {
      name: "validate",
      fn: async () => {
        const r = await api.call("GET", "auth/validate");
        if (r.status !== 204) throw new Error(`auth/validate ${r.status}`);
      },
    },
    {
      name: "getConn",
      fn: async () => {
        const r = await api.call("GET", `connectors/${connectorId}`);
        if (r.status !== 200) throw new Error(`get connector ${r.status}`);
      },
    },
    {
      name: "emptyBrowse",
      fn: async () => {
        const r = await api.browseAll(connectorId, emptyPrefix, 1000);
        if (r.count !== 0) throw new Error("empty browse returned entries");
      },
    },
    { name: "emptyRaw", fn: () => emptyRaw.listAll(1000) },
  ]);
  const raw = rawStorage({ provider, bucket: b.bucket, prefix }, b.env);
  const bigRequests = Math.ceil(b.objects / 10_000);
  let smallPages = 0;
  const whole = await roundRobin(Math.max(3, b.rounds), [
    {
      name: "big",
      fn: async () => {
        const r = await api.browseAll(connectorId, prefix, 10_000);
        if (r.count !== b.objects) throw new Error("limit 10000 browse: unexpected count");
      },
    },
    {
      name: "small",
      fn: async () => {
        const r = await api.browseAll(connectorId, prefix, 1000);
        if (r.count !== b.objects) throw new Error("limit 1000 browse: unexpected count");
        smallPages = r.pages.length;
      },
    },
    { name: "raw", fn: () => raw.listAll(1000) },
  ]);

  // --- in-process steps ---------------------------------------------------------------------------
  log(`${provider}: breakdown (in-process steps)`);
  useServerSettings(server);
  const { db } = await import("@/lib/db");
  const { authenticateApiKey } = await import("@/lib/auth/authenticate");
  const { consumeRateLimit } = await import("@/lib/api/rate-limit");
  const { recordAudit } = await import("@/lib/audit/record-audit");
  const { getConnector } = await import("@/lib/connectors/connectors");
  const { providerForConnector } = await import("@/lib/providers/factory");
  const { guardEndpoint } = await import("@/lib/connectors/guard-endpoint");
  const { unseal } = await import("@/lib/security/secrets");
  const { keyring } = await import("@/lib/security/keyring");
  const { connectorAad } = await import("@/lib/connectors/sealing");
  const { browseMatching, toBrowseEntry } = await import("@/lib/connectors/browse");
  const { createStorageProvider } = await import("@/lib/providers/index");
  const { hashApiKey } = await import("@/lib/security/api-key");
  const pg = (await import("pg")).default;

  const { principal } = await authenticateApiKey(server.apiKey);
  const ws = principal.workspaceId;
  const row = (await db.connector.findFirst({ where: { id: connectorId, workspaceId: ws } }))!;
  const creds = JSON.parse(unseal(row.sealedCredentials, connectorAad(row.id), keyring()).toString("utf8"));
  const construct = () => {
    switch (row.provider) {
      case "s3":
        return createStorageProvider({ provider: "s3", bucket: row.bucket!, region: row.region ?? "us-east-1", endpoint: row.endpoint ?? undefined, forcePathStyle: row.forcePathStyle, credentials: creds });
      case "gcs":
        return createStorageProvider({ provider: "gcs", bucket: row.bucket!, projectId: row.gcpProjectId ?? "", endpoint: row.endpoint ?? undefined, credentials: creds.serviceAccount });
      default:
        return createStorageProvider({ provider: "azure", storageAccount: row.storageAccount!, container: row.container!, endpoint: row.endpoint ?? undefined, auth: { kind: "account_key", accountKey: creds.accountKey } });
    }
  };
  // The same statements through the plain pg driver: the database round trip without Prisma.
  const pgClient = new pg.Client({ connectionString: server.databaseUrl() });
  pgClient.on("error", () => {});
  await pgClient.connect();
  const keyHash = hashApiKey(server.apiKey);
  const qEmpty = { prefix: emptyPrefix, pageSize: 1000 };
  const q = { prefix, pageSize: 1000 };
  const warm = construct();
  const page = await warm.list(q);
  let entries: ReturnType<typeof toBrowseEntry>[] = page.objects.map(toBrowseEntry);
  let json = JSON.stringify(entries);
  let gz = zlib.gzipSync(json);

  const steps = await roundRobin(N, [
    { name: "pgSelect1", fn: () => pgClient.query("SELECT 1") },
    { name: "pgAuth", fn: () => pgClient.query("SELECT * FROM api_keys WHERE key_hash = $1", [keyHash]) },
    { name: "pgConn", fn: () => pgClient.query("SELECT * FROM connectors WHERE id = $1 AND workspace_id = $2", [connectorId, ws]) },
    { name: "prismaSelect1", fn: () => db.$queryRawUnsafe("SELECT 1") },
    { name: "auth", fn: () => authenticateApiKey(server.apiKey, ["default", "costly"]) },
    { name: "rate", fn: () => consumeRateLimit(principal.credentialId, "default") },
    { name: "getConn", fn: () => getConnector(ws, connectorId) },
    { name: "find", fn: () => db.connector.findFirst({ where: { id: connectorId, workspaceId: ws } }) },
    {
      name: "audit",
      fn: () => recordAudit({ workspaceId: ws, actorType: "api_key", actorId: principal.credentialId, action: "bench.breakdown", targetType: "connector", targetId: connectorId, requestId: "req_bench" }),
    },
    { name: "guard", fn: () => (row.endpoint ? guardEndpoint(row.endpoint, "endpoint") : undefined) },
    { name: "unseal", fn: () => JSON.parse(unseal(row.sealedCredentials, connectorAad(row.id), keyring()).toString("utf8")) },
    { name: "construct", fn: construct },
    { name: "factory", fn: () => providerForConnector(ws, connectorId) },
    { name: "coldEmpty", fn: () => construct().list(qEmpty) },
    { name: "warmEmpty", fn: () => warm.list(qEmpty) },
    { name: "map", fn: () => (entries = page.objects.map(toBrowseEntry)) },
    { name: "stringify", fn: () => (json = JSON.stringify(entries)) },
    { name: "parse", fn: () => JSON.parse(json) },
    // next start compresses responses (next.config compress defaults to true) and fetch asks for gzip.
    { name: "gzip", fn: () => (gz = zlib.gzipSync(json)) },
    { name: "gunzip", fn: () => zlib.gunzipSync(gz) },
  ]);
  await pgClient.end().catch(() => {});

  const browseQ = { prefix, pattern: "*", recursive: true, limit: 1000 };
  // Counts the provider.list calls one full browse makes, and the pages that came back short of 1,000
  // while carrying a cursor (a short page shifts every later browse page off the provider's pages).
  const calls = { list: 0, short: 0, requests: 0, sizes: [] as number[] };
  const counted = (p: Awaited<ReturnType<typeof providerForConnector>>) => ({
    ...p,
    list: async (lq: Parameters<typeof p.list>[0]) => {
      const r = await p.list(lq);
      calls.list++;
      calls.sizes.push(r.objects.length);
      if (r.cursor && r.objects.length < lq.pageSize) calls.short++;
      return r;
    },
  });
  // One counting wrapper for the whole walk: the listing read-ahead is held per provider object, so a
  // new wrapper per request would defeat it (and count every discarded read-ahead as a call).
  const countedWarm = counted(warm);
  const browseInProcess = async (fresh: boolean) => {
    let cursor: string | undefined;
    let n = 0;
    if (!fresh) Object.assign(calls, { list: 0, short: 0, requests: 0, sizes: [] });
    do {
      const p = fresh ? await providerForConnector(ws, connectorId) : countedWarm;
      if (!fresh) calls.requests++;
      const r = await browseMatching(p, { ...browseQ, cursor });
      n += r.entries.length;
      cursor = r.nextCursor ?? undefined;
    } while (cursor);
    if (n !== b.objects) throw new Error(`in-process browse counted ${n}`);
  };
  const lists = await roundRobin(Math.max(3, b.rounds), [
    { name: "coldList", fn: () => construct().list(q) },
    { name: "warmList", fn: () => warm.list(q) },
    { name: "routeLike", fn: () => browseInProcess(true) },
    { name: "reused", fn: () => browseInProcess(false) },
  ]);

  const rawPages = (await raw.listAll(1000)).pages.length;
  const s = steps;
  const perReqFixed = smallPages > bigRequests ? (whole.small - whole.big) / (smallPages - bigRequests) : NaN;
  // Per browse request (limit 1000) the handler runs: authenticate + count both rate-limit budgets (one
  // statement; an UPDATE once a minute), one connector SELECT (its row also keys the provider cache, so
  // the SDK client is reused), the listing (read ahead), mapping and JSON. No audit: browse needs only
  // the read scope. No gzip unless GANTRY_HTTP_COMPRESS=on.
  const dbPerRequest = s.auth + s.find;
  const newClient = Math.max(0, s.coldEmpty - s.warmEmpty);
  const serialization = s.map + s.stringify + s.parse;
  const framework = Math.max(0, http.validate - s.auth);
  const rawPage = whole.raw / Math.max(1, smallPages);

  const httpRows: string[][] = [
    ["GET /auth/validate (Next.js + the auth and rate-limit statement)", ms(http.validate, 1)],
    ["GET /connectors/{id} (+ connector SELECT)", ms(http.getConn, 1)],
    ["POST browse of an empty prefix (1 request, full handler)", ms(http.emptyBrowse, 1)],
    ["raw SDK listing of the same empty prefix (reused client)", ms(http.emptyRaw, 1)],
    [`browse all, limit 10,000 (${bigRequests} request${bigRequests > 1 ? "s" : ""})`, ms(whole.big, 0)],
    [`browse all, limit 1,000 (${smallPages} requests)`, ms(whole.small, 0)],
    ["raw SDK listing, pages of 1,000", ms(whole.raw, 0)],
    ["in-process browseMatching, new provider per page (as the route does)", ms(lists.routeLike, 0)],
    ["in-process browseMatching, one reused provider", ms(lists.reused, 0)],
  ];
  const rows: string[][] = [
    ["plain pg: SELECT 1 (one round trip to the database server)", ms(s.pgSelect1, 2), "-"],
    ["plain pg: SELECT api_keys by key_hash", ms(s.pgAuth, 2), "-"],
    ["plain pg: SELECT connectors by id", ms(s.pgConn, 2), "-"],
    ["Prisma $queryRawUnsafe SELECT 1", ms(s.prismaSelect1, 2), "-"],
    ["authenticateApiKey + both rate-limit budgets (one pg statement)", ms(s.auth, 2), "1"],
    ["consumeRateLimit (Prisma $queryRaw; sessions and server actions only)", ms(s.rate, 2), "-"],
    ["getConnector (Prisma findFirst connectors, selected columns)", ms(s.getConn, 2), "-"],
    ["browseConnector: Prisma findFirst connectors", ms(s.find, 2), "1"],
    ["recordAudit (Prisma create audit_logs; mutations only, not browse)", ms(s.audit, 2), "-"],
    ["providerForConnector: guardEndpoint (IP literal: no DNS here)", ms(s.guard, 3), "1"],
    ["providerForConnector: unseal credentials", ms(s.unseal, 3), "1"],
    ["construct the SDK client", ms(s.construct, 3), "1"],
    ["providerForConnector total (SELECT + guard + unseal + construct)", ms(s.factory, 2), "1"],
    ["list an empty prefix, new client (new connection, SDK first-call init)", ms(s.coldEmpty, 2), "-"],
    ["list an empty prefix, reused client (keep-alive)", ms(s.warmEmpty, 2), "-"],
    ["  → cost of a new client (once per connector per 30 s: the provider cache)", ms(newClient, 2), "-"],
    [`list 1,000, new client (${Math.max(3, b.rounds)} samples)`, ms(lists.coldList, 1), "-"],
    [`list 1,000, reused client (${Math.max(3, b.rounds)} samples)`, ms(lists.warmList, 1), "-"],
    ["toBrowseEntry ×1,000", ms(s.map, 2), "1"],
    [`JSON.stringify 1,000 entries (${(json.length / 1024).toFixed(0)} KiB; server)`, ms(s.stringify, 2), "1"],
    ["JSON.parse 1,000 entries (client)", ms(s.parse, 2), "1"],
    [`gzip the page (only with GANTRY_HTTP_COMPRESS=on; ${(gz.length / 1024).toFixed(0)} KiB out)`, ms(s.gzip, 2), "-"],
    ["gunzip the page (fetch)", ms(s.gunzip, 2), "-"],
  ];
  return [
    `### Breakdown — ${provider}`,
    "",
    `HTTP probes against the running server (medians, ${N} interleaved samples; whole listings ${Math.max(3, b.rounds)}):`,
    "",
    table(["probe", "ms"], httpRows),
    "",
    `Provider listing calls behind one full browse (limit 1,000): **${calls.list} list calls for ${calls.requests} browse requests** ` +
      `(the raw SDK loop needs ${rawPages} pages); ${calls.short} provider page(s) came back short of 1,000 with a cursor ` +
      `(page sizes: ${calls.sizes.join(", ")}).`,
    "",
    `In-process steps of one browse request (same lib/ code and database server; medians of ${N} interleaved samples):`,
    "",
    table(["step", "ms", "per browse request"], rows),
    "",
    "Estimated fixed cost of one browse request beyond the storage listing itself:",
    "",
    table(
      ["component", "ms per request"],
      [
        ["database: 2 statements (auth + rate limits in one pg statement, connector SELECT through Prisma)", ms(dbPerRequest, 1)],
        ["Next.js routing + HTTP framing (GET /auth/validate minus its statement)", ms(framework, 1)],
        ["entries: map + JSON.stringify (server) + JSON.parse (client)", ms(serialization, 1)],
        ["**sum**", `**${ms(dbPerRequest + framework + serialization, 1)}**`],
        ["measured: empty-prefix browse over HTTP − raw empty listing", ms(http.emptyBrowse - http.emptyRaw, 1)],
        ["measured: (limit 1,000 − limit 10,000) / extra requests", ms(perReqFixed, 1)],
      ],
    ),
    "",
    `Budget for the 1.15× goal: 15% of a raw page (${ms(rawPage, 1)} ms here) = ${ms(0.15 * rawPage, 1)} ms of overhead per request.`,
  ].join("\n");
}
