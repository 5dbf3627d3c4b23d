/**
 * `npm run bench -- browse`: seeds N objects on each storage emulator, then times browsing all of them
 * through Gantry's HTTP API (POST /connectors/{id}/browse, pages of 1,000) against the provider's own SDK
 * listing loop in the same run. Prints the ratio API / raw (goal ≤ 1.15×), peak memory, and appends the
 * numbers to bench/RESULTS.md. A measurement: exits 0 even when the goal is missed (prints MISS).
 */
import { commandLine, hasProductionBuild, parseServerEnv } from "./lib/cli";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import os from "node:os";
import { parseArgs } from "node:util";
import { readEmulatorEnv, startEmulators, type EmulatorEnv, type Emulators } from "../scripts/emulators/index";
import { Api } from "./lib/api-client";
import { ROOT, startGantry, startGcsEmulatorProcess, type ChildEmulator, type GantryServer } from "./lib/gantry-server";
import { loadAverage, mib, resetPeak, treeMem, type ProcMem } from "./lib/proc";
import { appendResults, RESULTS_FILE } from "./lib/results";
import { median, ms, table } from "./lib/stats";
import { ALL_PROVIDERS, objectKey, pool, rawStorage, type ProviderName, type Target } from "./lib/storage";

const GOAL = 1.15;

const HELP = `Usage: npm run bench -- browse [options]

  --objects N            objects seeded per provider (default 10000)
  --providers LIST       comma-separated subset of s3,azure,gcs (default all)
  --rounds R             measured rounds per side and provider (default 3; plus one warm-up)
  --page-size P          browse limit / SDK page size (default 1000)
  --seed-concurrency C   parallel uploads while seeding (default: s3 64, azure 32, gcs 32)
  --database-url URL     run the server (and CLI) on this PostgreSQL instead of the embedded database
  --server-env K=V       extra server environment, repeatable (experiments, e.g. GANTRY_WORKER=off)
  --breakdown            also probe where the API time goes (HTTP probes + in-process step timings)
  --no-record            do not append to bench/RESULTS.md
  --note TEXT            free text recorded with the run

Emulators are reused when GANTRY_TEST_* variables describe running ones (npm run emulators -- --write-env).
Needs a production build (npm run build).`;

interface ProviderResult {
  provider: ProviderName;
  objects: number;
  seedMs: number;
  rawRuns: number[];
  apiRuns: number[];
  rawPageMs: number[];
  apiPageMs: number[];
  rawPages: number;
  apiPages: number;
  serverPeak: ProcMem[];
  peakWasReset: boolean;
  breakdown?: string;
}

/** "commit abc1234 (+ uncommitted changes), build <BUILD_ID>" for the record. */
function gitRevision(): string {
  const run = (args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const sha = run(["rev-parse", "--short", "HEAD"]) || "unknown";
  const dirty = run(["status", "--porcelain", "--untracked-files=no", "--", "app", "lib", "scripts", "prisma"]) !== "";
  let build = "?";
  try {
    const file = path.join(ROOT, ".next", "BUILD_ID");
    build = `${readFileSync(file, "utf8").trim()} of ${statSync(file).mtime.toISOString().replace(/\.\d+Z$/, "Z")}`;
  } catch {
    /* checked before */
  }
  // The server runs the production build; the working tree may have moved on since it was built.
  return `working tree at ${sha}${dirty ? " + uncommitted changes in app/lib/scripts/prisma" : ""}; served build ${build}`;
}

function log(msg: string) {
  console.log(`[bench] ${msg}`);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        objects: { type: "string", default: "10000" },
        providers: { type: "string", default: ALL_PROVIDERS.join(",") },
        rounds: { type: "string", default: "3" },
        "page-size": { type: "string", default: "1000" },
        "seed-concurrency": { type: "string" },
        "database-url": { type: "string" },
        "server-env": { type: "string", multiple: true, default: [] },
        breakdown: { type: "boolean", default: false },
        "no-record": { type: "boolean", default: false },
        note: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
    });
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n\n${HELP}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const objects = Number(values.objects);
  const rounds = Number(values.rounds);
  const pageSize = Number(values["page-size"]);
  const providers = values.providers!.split(",").map((s) => s.trim()).filter(Boolean) as ProviderName[];
  const bad = providers.filter((p) => !ALL_PROVIDERS.includes(p));
  if (!Number.isInteger(objects) || objects < 1 || !Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000 || bad.length || !providers.length) {
    console.error(`bad arguments${bad.length ? ` (unknown providers: ${bad.join(", ")})` : ""}\n\n${HELP}`);
    return 2;
  }
  const extraEnv: Record<string, string> = {};
  if (!parseServerEnv(values["server-env"] as string[], extraEnv)) return 2;
  if (!hasProductionBuild()) return 2;

  const command = commandLine("browse", argv);
  const loadBefore = loadAverage();
  const startedAt = new Date();
  log(`${command}`);
  log(`providers ${providers.join(", ")}; ${objects} objects each; ${rounds} rounds; page size ${pageSize}; ${os.cpus().length} CPUs; load average ${loadBefore}`);

  let emulators: Emulators | undefined;
  let gcsProcess: ChildEmulator | undefined;
  let server: GantryServer | undefined;
  const cleanup = async () => {
    await server?.stop().catch((e) => console.error(`stopping Gantry: ${e}`));
    await emulators?.stop().catch((e) => console.error(`stopping emulators: ${e}`));
    await gcsProcess?.stop().catch((e) => console.error(`stopping the GCS emulator: ${e}`));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(sig === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    // 1. Emulators: reuse the ones GANTRY_TEST_* describes, start the rest.
    // The GCS emulator is a library: it gets a process of its own so that it does not share the
    // bench's CPU time and heap with the raw SDK loop it is measured against.
    const fromEnv = readEmulatorEnv();
    const missing = providers.filter((p) => !fromEnv[p]);
    let env: EmulatorEnv = fromEnv;
    if (missing.length) {
      log(`starting emulators: ${missing.join(", ")}`);
      const inProcess = missing.filter((p) => p !== "gcs");
      const [started, gcs] = await Promise.all([
        inProcess.length ? startEmulators({ only: inProcess, log: (m) => log(`  ${m}`) }) : undefined,
        missing.includes("gcs") ? startGcsEmulatorProcess() : undefined,
      ]);
      emulators = started;
      gcsProcess = gcs;
      env = { ...fromEnv, ...(started ? readEmulatorEnv(started.toEnv()) : {}), ...(gcs ? { gcs: { endpoint: gcs.endpoint } } : {}) };
    }
    if (providers.includes("s3")) log(`S3 emulator: ${env.s3!.kind}`);

    // 2. Seed (the server boots meanwhile; neither is timed into the results).
    const runId = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
    const bucket = `gantry-bench-${runId}`;
    const prefix = `bench/${runId}/`;
    const serverPromise = startGantry({ databaseUrl: values["database-url"], extraEnv, log });
    serverPromise.catch(() => {}); // awaited below
    const body = Buffer.from("bench\n");
    const seedMs: Partial<Record<ProviderName, number>> = {};
    for (const provider of providers) {
      const target: Target = { provider, bucket, prefix };
      const raw = rawStorage(target, env);
      const concurrency = Number(values["seed-concurrency"] ?? (provider === "s3" ? 64 : 32));
      const t = performance.now();
      await raw.ensureBucket();
      await pool(objects, concurrency, (i) => raw.put(objectKey(prefix, i), body), (done) => {
        if (done % 5000 === 0) log(`  ${provider}: ${done}/${objects} seeded`);
      });
      seedMs[provider] = performance.now() - t;
      log(`seeded ${objects} objects on ${provider} in ${(seedMs[provider]! / 1000).toFixed(1)} s (${Math.round(objects / (seedMs[provider]! / 1000))}/s, concurrency ${concurrency})`);
    }
    server = await serverPromise;
    const api = new Api(server.baseUrl, server.apiKey);

    // 3. Connectors through the API.
    const connectors: Partial<Record<ProviderName, string>> = {};
    for (const provider of providers) {
      connectors[provider] = await api.createConnector({ provider, bucket, prefix }, env, `bench ${provider}`);
      log(`connector ${provider}: ${connectors[provider]}`);
    }

    // 4. Interleaved rounds per provider.
    const results: ProviderResult[] = [];
    for (const provider of providers) {
      const target: Target = { provider, bucket, prefix };
      const raw = rawStorage(target, env);
      const id = connectors[provider]!;
      const runApi = async () => {
        const t = performance.now();
        const r = await api.browseAll(id, prefix, pageSize);
        const total = performance.now() - t;
        if (r.count !== objects) throw new Error(`${provider}: the API browse returned ${r.count} entries, expected ${objects}`);
        if (!r.firstPath?.startsWith(prefix)) throw new Error(`${provider}: unexpected first path ${r.firstPath}`);
        return { total, pages: r.pages };
      };
      const runRaw = async () => {
        const t = performance.now();
        const r = await raw.listAll(pageSize);
        const total = performance.now() - t;
        if (r.count !== objects) throw new Error(`${provider}: the raw SDK listing returned ${r.count} objects, expected ${objects}`);
        return { total, pages: r.pages };
      };
      const peakWasReset = resetPeak(server.pid);
      log(`${provider}: warm-up`);
      await runApi();
      await runRaw();
      const res: ProviderResult = {
        provider, objects, seedMs: seedMs[provider]!, rawRuns: [], apiRuns: [], rawPageMs: [], apiPageMs: [],
        rawPages: 0, apiPages: 0, serverPeak: [], peakWasReset,
      };
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? (["api", "raw"] as const) : (["raw", "api"] as const);
        for (const side of order) {
          const m = side === "api" ? await runApi() : await runRaw();
          if (side === "api") {
            res.apiRuns.push(m.total);
            res.apiPageMs.push(...m.pages);
            res.apiPages = m.pages.length;
          } else {
            res.rawRuns.push(m.total);
            res.rawPageMs.push(...m.pages);
            res.rawPages = m.pages.length;
          }
        }
        log(`${provider} round ${r + 1}/${rounds}: raw ${ms(res.rawRuns.at(-1)!)} ms, API ${ms(res.apiRuns.at(-1)!)} ms`);
      }
      res.serverPeak = treeMem(server.pid);
      if (values.breakdown) {
        const { breakdown } = await import("./lib/breakdown");
        res.breakdown = await breakdown({ server, api, provider, connectorId: id, prefix, objects, env, bucket, rounds, log });
        console.log(res.breakdown);
      }
      results.push(res);
    }

    // 5. Report.
    const benchPeakKb = process.resourceUsage().maxRSS;
    const header = ["provider", "objects", "raw SDK ms", "API ms", "ratio", "goal", "result", "raw ms/page", "API ms/request", "overhead ms/request", "server peak RSS", "next-server peak RSS"];
    const rows = results.map((r) => {
      const rawMed = median(r.rawRuns);
      const apiMed = median(r.apiRuns);
      const ratio = apiMed / rawMed;
      const peak = Math.max(...r.serverPeak.map((p) => p.hwmKb));
      const nextServer = r.serverPeak.find((p) => p.cmd.includes("next-server"));
      return [
        r.provider,
        String(r.objects),
        ms(rawMed),
        ms(apiMed),
        `${ratio.toFixed(2)}×`,
        `≤ ${GOAL}`,
        ratio <= GOAL ? "PASS" : "MISS",
        `${ms(median(r.rawPageMs), 1)} (${r.rawPages} pages)`,
        `${ms(median(r.apiPageMs), 1)} (${r.apiPages} req.)`,
        ms((apiMed - rawMed) / r.apiPages, 1),
        mib(peak),
        nextServer ? mib(nextServer.hwmKb) : "-",
      ];
    });
    const tbl = table(header, rows);
    const memLines = results.map((r) => {
      const procs = r.serverPeak
        .sort((a, b) => b.hwmKb - a.hwmKb)
        .map((p) => `${p.cmd} ${mib(p.hwmKb)}`)
        .join("; ");
      return `- ${r.provider}: ${procs}${r.peakWasReset ? "" : " (peak since process start: clear_refs refused)"}`;
    });
    const runsLines = results.map((r) => `- ${r.provider}: raw ${r.rawRuns.map((x) => ms(x)).join(", ")} ms; API ${r.apiRuns.map((x) => ms(x)).join(", ")} ms; seeding ${(r.seedMs / 1000).toFixed(1)} s`);
    const loadAfter = loadAverage();
    const anyMiss = rows.some((r) => r[6] === "MISS");

    console.log("");
    console.log(tbl);
    console.log("");
    console.log(`Server peak RSS per process (largest VmHWM in the table; processes are not summed):`);
    for (const l of memLines) console.log(l);
    console.log(`Bench process peak RSS: ${mib(benchPeakKb)} (client side, seeding, and the S3/Azure emulator launchers)`);
    console.log(`Runs (ms):`);
    for (const l of runsLines) console.log(l);
    console.log(`Load average: before ${loadBefore}; after ${loadAfter} (${os.cpus().length} CPUs)`);
    if (anyMiss) console.log(`\nMISS: the API is slower than ${GOAL}× the raw SDK listing for ${rows.filter((r) => r[6] === "MISS").map((r) => r[0]).join(", ")}.`);
    else console.log(`\nPASS: every provider within ${GOAL}×.`);

    if (!values["no-record"]) {
      const section = [
        `## browse — ${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}`,
        "",
        `Command: \`${command}\` (${gitRevision()})`,
        "",
        `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "?"}), ${mib(os.totalmem() / 1024)} RAM, Node ${process.version}; ` +
          `load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter}. ` +
          `S3 emulator: ${env.s3?.kind ?? "-"}. Database: ${values["database-url"] ? "PostgreSQL (--database-url)" : "embedded PGlite"}. ` +
          `Server env extras: ${Object.keys(extraEnv).length ? Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(" ") : "none"}. ` +
          `Rounds: ${rounds} (+1 warm-up), page size ${pageSize}.${values.note ? ` Note: ${values.note}` : ""}`,
        "",
        tbl,
        "",
        "Server peak RSS per process:",
        ...memLines,
        `- bench process (client side and seeding): ${mib(benchPeakKb)}`,
        "",
        "Runs:",
        ...runsLines,
        "",
        anyMiss ? `Result: **MISS** (${rows.filter((r) => r[6] === "MISS").map((r) => `${r[0]} ${r[4]}`).join(", ")}).` : `Result: **PASS** (all within ${GOAL}×).`,
        ...results.filter((r) => r.breakdown).flatMap((r) => ["", r.breakdown!]),
      ].join("\n");
      appendResults(section);
      log(`recorded in ${RESULTS_FILE}`);
    }
    return 0;
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
