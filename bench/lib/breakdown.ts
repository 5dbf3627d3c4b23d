// `--breakdown`: where does a browse request's time go? Two kinds of evidence, both against the running
// server's own database and the same emulator:
//   HTTP probes     requests to the live server that isolate fixed per-request costs
//   in-process      each step of POST /connectors/{id}/browse (lib/api/handler.ts + lib/connectors/browse.ts)
//                   timed on its own, with the same lib/ code, database server and storage endpoint
// Nothing in lib/ or app/ is changed; the in-process part imports lib/ modules with the server's settings.
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

async function timeIt(n: number, fn: () => Promise<unknown> | unknown): Promise<{ med: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    all.push(performance.now() - t);
  }
  return { med: median(all), all };
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
  const N = 25;
  log(`${provider}: breakdown (HTTP probes)`);

  // --- HTTP probes ------------------------------------------------------------------------------
  const validate = await timeIt(N, async () => {
    const r = await api.call("GET", "auth/validate");
    if (r.status !== 204) throw new Error(`auth/validate ${r.status}`);
  });
  const getConn = await timeIt(N, async () => {
    const r = await api.call("GET", `connectors/${connectorId}`);
    if (r.status !== 200) throw new Error(`get connector ${r.status}`);
  });
  const emptyPrefix = `${prefix}nothing-here/`;
  const emptyBrowse = await timeIt(N, async () => {
    const r = await api.browseAll(connectorId, emptyPrefix, 1000);
    if (r.count !== 0) throw new Error("empty browse returned entries");
  });
  const emptyRaw = rawStorage({ provider, bucket: b.bucket, prefix: emptyPrefix }, b.env);
  await emptyRaw.listAll(1000);
  const emptyRawT = await timeIt(N, () => emptyRaw.listAll(1000));
  const raw = rawStorage({ provider, bucket: b.bucket, prefix }, b.env);
  const big: number[] = [];
  const small: number[] = [];
  const rawAll: number[] = [];
  let smallPages = 0;
  for (let i = 0; i < b.rounds; i++) {
    let t = performance.now();
    const one = await api.browseAll(connectorId, prefix, 10_000);
    big.push(performance.now() - t);
    if (one.count !== b.objects || one.pages.length !== Math.ceil(b.objects / 10_000)) throw new Error("limit 10000 browse: unexpected count");
    t = performance.now();
    const ten = await api.browseAll(connectorId, prefix, 1000);
    small.push(performance.now() - t);
    smallPages = ten.pages.length;
    t = performance.now();
    await raw.listAll(1000);
    rawAll.push(performance.now() - t);
  }

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

  const principal = await authenticateApiKey(server.apiKey);
  const ws = principal.workspaceId;
  const row = (await db.connector.findFirst({ where: { id: connectorId, workspaceId: ws } }))!;
  const creds = JSON.parse(unseal(row.sealedCredentials, connectorAad(row.id), keyring()).toString("utf8"));

  const tSelect1 = await timeIt(N, () => db.$queryRawUnsafe("SELECT 1"));
  // The same lookup as authenticateApiKey through the plain pg driver: database round trip without Prisma.
  const { hashApiKey } = await import("@/lib/security/api-key");
  const pg = (await import("pg")).default;
  const pgClient = new pg.Client({ connectionString: server.databaseUrl() });
  pgClient.on("error", () => {});
  await pgClient.connect();
  const keyHash = hashApiKey(server.apiKey);
  const tPgAuth = await timeIt(N, () => pgClient.query("SELECT * FROM api_keys WHERE key_hash = $1", [keyHash]));
  const tPgConn = await timeIt(N, () => pgClient.query("SELECT * FROM connectors WHERE id = $1 AND workspace_id = $2", [connectorId, ws]));
  await pgClient.end().catch(() => {});
  const tAuth = await timeIt(N, () => authenticateApiKey(server.apiKey));
  const tRate = await timeIt(N, () => consumeRateLimit(principal.credentialId, "default"));
  const tGetConn = await timeIt(N, () => getConnector(ws, connectorId));
  const tFind = await timeIt(N, () => db.connector.findFirst({ where: { id: connectorId, workspaceId: ws } }));
  const tGuard = await timeIt(N, () => (row.endpoint ? guardEndpoint(row.endpoint, "endpoint") : undefined));
  const tUnseal = await timeIt(N, () => JSON.parse(unseal(row.sealedCredentials, connectorAad(row.id), keyring()).toString("utf8")));
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
  const tConstruct = await timeIt(N, construct);
  const tFactory = await timeIt(N, () => providerForConnector(ws, connectorId));
  const tAudit = await timeIt(N, () =>
    recordAudit({ workspaceId: ws, actorType: "api_key", actorId: principal.credentialId, action: "bench.breakdown", targetType: "connector", targetId: connectorId, requestId: "req_bench" }),
  );
  const q = { prefix, pageSize: 1000 };
  const qEmpty = { prefix: emptyPrefix, pageSize: 1000 };
  const fresh: Awaited<ReturnType<typeof providerForConnector>>[] = [];
  for (let i = 0; i < N; i++) fresh.push(await providerForConnector(ws, connectorId));
  const tColdEmpty = await timeIt(N, () => fresh.pop()!.list(qEmpty));
  const warm = await providerForConnector(ws, connectorId);
  await warm.list(q);
  const tWarmEmpty = await timeIt(N, () => warm.list(qEmpty));
  const tColdList = await timeIt(10, async () => (await providerForConnector(ws, connectorId)).list(q));
  const tWarmList = await timeIt(10, () => warm.list(q));
  const page = await warm.list(q);
  let entries: ReturnType<typeof toBrowseEntry>[] = [];
  const tMap = await timeIt(N, () => (entries = page.objects.map(toBrowseEntry)));
  let json = "";
  const tStringify = await timeIt(N, () => (json = JSON.stringify(entries)));
  const tParse = await timeIt(N, () => JSON.parse(json));
  const browseQ = { prefix, pattern: "*", recursive: true, limit: 1000 };
  const routeLike = await timeIt(b.rounds, async () => {
    let cursor: string | undefined;
    let n = 0;
    do {
      const p = await providerForConnector(ws, connectorId);
      const r = await browseMatching(p, { ...browseQ, cursor });
      n += r.entries.length;
      cursor = r.nextCursor ?? undefined;
    } while (cursor);
    if (n !== b.objects) throw new Error(`in-process browse counted ${n}`);
  });
  const reused = await timeIt(b.rounds, async () => {
    let cursor: string | undefined;
    let n = 0;
    do {
      const r = await browseMatching(warm, { ...browseQ, cursor });
      n += r.entries.length;
      cursor = r.nextCursor ?? undefined;
    } while (cursor);
    if (n !== b.objects) throw new Error(`in-process browse counted ${n}`);
  });

  const perReqFixed = smallPages > 1 ? (median(small) - median(big)) / (smallPages - Math.ceil(b.objects / 10_000)) : NaN;
  // Per browse request (limit 1000) the handler runs: authenticate (1 SELECT; an UPDATE once a minute),
  // 2 rate-limit upserts (default + costly), getConnector, providerForConnector (SELECT, guard, unseal,
  // new SDK client), the listing on a brand-new client, mapping, JSON, and an audit INSERT (POST = mutation).
  const dbPerRequest = tAuth.med + 2 * tRate.med + tGetConn.med + tFind.med + tAudit.med;
  const clientPerRequest = tGuard.med + tUnseal.med + tConstruct.med + Math.max(0, tColdEmpty.med - tWarmEmpty.med);
  const serialization = tMap.med + tStringify.med + tParse.med;
  const framework = Math.max(0, validate.med - tAuth.med - tRate.med);
  const rows: string[][] = [
    ["Prisma $queryRaw SELECT 1 (one round trip, for scale)", ms(tSelect1.med, 2), "-", "-"],
    ["same api_keys SELECT through plain pg (no Prisma)", ms(tPgAuth.med, 2), "-", "-"],
    ["same connectors SELECT through plain pg (no Prisma)", ms(tPgConn.med, 2), "-", "-"],
    ["authenticateApiKey (Prisma findUnique api_keys)", ms(tAuth.med, 2), "1", ms(tAuth.med, 2)],
    ["consumeRateLimit (Prisma $queryRaw INSERT … ON CONFLICT)", ms(tRate.med, 2), "2 (default + costly)", ms(2 * tRate.med, 2)],
    ["getConnector (Prisma findFirst connectors)", ms(tGetConn.med, 2), "1", ms(tGetConn.med, 2)],
    ["factory: Prisma findFirst connectors again", ms(tFind.med, 2), "1", ms(tFind.med, 2)],
    ["factory: guardEndpoint", ms(tGuard.med, 3), "1", ms(tGuard.med, 3)],
    ["factory: unseal credentials (AES-GCM ×2)", ms(tUnseal.med, 3), "1", ms(tUnseal.med, 3)],
    ["factory: construct SDK client", ms(tConstruct.med, 2), "1", ms(tConstruct.med, 2)],
    ["providerForConnector total", ms(tFactory.med, 2), "(1)", "(sum of the factory rows)"],
    ["recordAudit (Prisma create audit_logs)", ms(tAudit.med, 2), "1", ms(tAudit.med, 2)],
    ["list an empty prefix, fresh client (new TCP, SDK first-call init)", ms(tColdEmpty.med, 2), "-", "-"],
    ["list an empty prefix, reused client (keep-alive)", ms(tWarmEmpty.med, 2), "-", "-"],
    ["  → fresh − reused (cost of a new client per request)", ms(tColdEmpty.med - tWarmEmpty.med, 2), "1", ms(Math.max(0, tColdEmpty.med - tWarmEmpty.med), 2)],
    ["list 1,000, fresh client (10 samples)", ms(tColdList.med, 1), "-", "-"],
    ["list 1,000, reused client (10 samples)", ms(tWarmList.med, 1), "-", "-"],
    ["toBrowseEntry ×1,000", ms(tMap.med, 2), "1", ms(tMap.med, 2)],
    ["JSON.stringify 1,000 entries (server)", `${ms(tStringify.med, 2)} (${(json.length / 1024).toFixed(0)} KiB)`, "1", ms(tStringify.med, 2)],
    ["JSON.parse 1,000 entries (client)", ms(tParse.med, 2), "1", ms(tParse.med, 2)],
  ];
  const httpRows: string[][] = [
    ["GET /auth/validate (Next.js + auth + 1 rate-limit upsert)", ms(validate.med, 1)],
    ["GET /connectors/{id} (+ connector SELECT)", ms(getConn.med, 1)],
    ["POST browse of an empty prefix (1 request, full handler)", ms(emptyBrowse.med, 1)],
    ["raw SDK listing of the same empty prefix (warm client)", ms(emptyRawT.med, 1)],
    [`browse all, limit 10,000 (${Math.ceil(b.objects / 10_000)} request)`, ms(median(big), 0)],
    [`browse all, limit 1,000 (${smallPages} requests)`, ms(median(small), 0)],
    ["raw SDK listing, pages of 1,000", ms(median(rawAll), 0)],
    ["in-process browseMatching, fresh provider per page (as the route)", ms(routeLike.med, 0)],
    ["in-process browseMatching, one reused provider", ms(reused.med, 0)],
  ];
  return [
    `### Breakdown — ${provider}`,
    "",
    "HTTP probes against the running server (median ms):",
    "",
    table(["probe", "ms"], httpRows),
    "",
    `Fixed cost per extra browse request, from (limit 1,000 − limit 10,000) / extra requests: **${ms(perReqFixed, 1)} ms**; ` +
      `empty-prefix browse over HTTP minus the raw empty listing: **${ms(emptyBrowse.med - emptyRawT.med, 1)} ms**.`,
    "",
    `In-process steps of one browse request (same lib/ code and database server; median of ${N}, list rows of 10):`,
    "",
    table(["step", "ms each", "per request", "ms per request"], rows),
    "",
    "Estimated fixed cost of one browse request beyond the storage listing itself:",
    "",
    table(
      ["component", "ms per request"],
      [
        ["database: 6 statements (auth SELECT, 2 rate-limit upserts, 2 connector SELECTs, audit INSERT)", ms(dbPerRequest, 1)],
        ["new storage client per request (guard + unseal + construct + first call on a new connection)", ms(clientPerRequest, 1)],
        ["Next.js routing + HTTP framing (GET /auth/validate minus its auth + rate-limit statements)", ms(framework, 1)],
        ["entries: map + JSON.stringify (server) + JSON.parse (client)", ms(serialization, 1)],
        ["**sum**", `**${ms(dbPerRequest + clientPerRequest + framework + serialization, 1)}**`],
        ["measured: empty-prefix browse over HTTP − raw empty listing", ms(emptyBrowse.med - emptyRawT.med, 1)],
        ["measured: (limit 1,000 − limit 10,000) / extra requests", ms(perReqFixed, 1)],
      ],
    ),
    "",
    `For the 1.15× goal the whole overhead of one request must stay under 15% of a raw page ` +
      `(${ms(median(rawAll) / Math.max(1, smallPages), 1)} ms here): ${ms((0.15 * median(rawAll)) / Math.max(1, smallPages), 1)} ms.`,
  ].join("\n");
}
