/**
 * `npm run bench -- import`: copy throughput of a Gantry import job against rclone copying the same files
 * from the same S3 emulator to a local directory, in the same run (a set of big files and a set of small
 * ones), plus a `new_only` rescan of already-imported files against a raw SDK listing of the same prefix.
 * Prints files/s, MB/s and the ratios, appends the numbers to bench/RESULTS.md. A measurement: exits 0
 * even when a goal is missed (prints MISS, with where Gantry's time goes).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { readEmulatorEnv, startEmulators, type EmulatorEnv, type Emulators } from "../scripts/emulators/index";
import { Api } from "./lib/api-client";
import { commandLine, hasProductionBuild, parseServerEnv } from "./lib/cli";
import { startGantry, type GantryServer } from "./lib/gantry-server";
import { createFreshDatabase, type FreshDatabase } from "./lib/fresh-database";
import { clipBytes, FFPROBE_PATH, paddedClip, parseDataset } from "./lib/media-payload";
import { loadAverage, mib, processTree, procMem, treeMem } from "./lib/proc";
import { setupRclone, type Rclone } from "./lib/rclone";
import { appendResults, RESULTS_FILE } from "./lib/results";
import { median, ms, table } from "./lib/stats";
import { objectKey, pool, rawStorage } from "./lib/storage";

const COPY_GOAL = 1.0; // Gantry files/s ≥ rclone files/s (ratio Gantry / rclone ≥ 1)
const RESCAN_GOAL = 1.2; // new_only rescan time ≤ 1.2 × raw listing time

const HELP = `Usage: npm run bench -- import [options]

  --big COUNTxSIZE       big-file set (default 200x5MB; 0 skips it). Units B, KB, MB, GB (10^3), KiB, MiB, GiB
  --small COUNTxSIZE     small-file set (default 5000x20KB; 0 skips it)
  --rescan N             files of the new_only rescan (default 10000; 0 skips it)
  --rescan-rounds R      timed new_only jobs / raw listings (default 3, interleaved, + 1 raw warm-up)
  --concurrency N        GANTRY_IMPORT_CONCURRENCY and rclone --transfers (default 4)
  --checkers N           rclone --checkers (default 8)
  --poll-ms MS           client polling interval of GET /import-jobs/{id} (default 500)
  --seed-concurrency C   parallel uploads while seeding small files (default 64; big files: 8)
  --server-env K=V       extra server environment, repeatable
  --database-url URL     run the server on a fresh database created on this PostgreSQL server (dropped
                         afterwards) instead of the embedded database
  --breakdown            always measure where Gantry's per-file time goes (default: only on a MISS)
  --no-warmup            skip the untimed warm-up import (one small and one 2 MB file) before the timed jobs
  --no-record            do not append to bench/RESULTS.md
  --note TEXT            free text recorded with the run

MB = 10^6 bytes everywhere. The S3 emulator is radosgw when installed, else fauxqs (reused when
GANTRY_TEST_S3_* variables describe a running one). Needs a production build (npm run build) and rclone.`;

function log(msg: string) {
  console.log(`[bench] ${msg}`);
}

const MB = 1e6;
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "-");

interface JobDto {
  job_id: string;
  status: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  progress: { total_files: number; imported: number; failed: number; skipped: number; bytes_transferred: number };
  failed_files: Array<{ path: string; error: string }>;
  skipped_files: Array<{ path: string; reason: string }>;
}

interface JobRun {
  job: JobDto;
  /** POST sent → terminal status seen by polling. */
  clientMs: number;
  /** completed_at − created_at from the database (ms precision; not quantised by the polling interval). */
  serverMs: number;
  times: JobTimes;
  polls: number;
}

/** created / started / completed of a job, with the database's millisecond precision (the API's are whole seconds). */
type JobTimes = { created: number; started: number; completed: number };
let jobTimes: (jobId: string) => Promise<JobTimes> = async () => {
  throw new Error("no database client");
};

async function runImportJob(api: Api, body: Record<string, unknown>, pollMs: number): Promise<JobRun> {
  const t0 = performance.now();
  const res = await api.call("POST", "import-jobs", { json: body });
  if (res.status !== 201) throw new Error(`POST /import-jobs: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const id = (res.body as JobDto).job_id;
  let polls = 0;
  for (;;) {
    await sleep(pollMs);
    const r = await api.call("GET", `import-jobs/${id}`);
    polls++;
    if (r.status !== 200) throw new Error(`GET /import-jobs/${id}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    const job = r.body as JobDto;
    if (["completed", "failed", "cancelled"].includes(job.status)) {
      const clientMs = performance.now() - t0;
      const times = await jobTimes(id);
      return { job, clientMs, serverMs: times.completed - times.created, times, polls };
    }
  }
}

/** The job's timeline from the server's database (per-file claim → done times). */
interface Timeline {
  queuePickupMs: number; // created_at → started_at (scan job picked up by the inline worker)
  firstClaimMs: number; // started_at → first file claimed
  windowMs: number; // first claim → last file done
  tailMs: number; // last file done → completed_at
  files: number;
  svcMedianMs: number; // per file: claimed_at → row updated (GET + hash + scratch write + probe + rename + video insert)
  svcP90Ms: number;
  svcSumMs: number;
  parallelism: number; // svcSum / window
  gapMedianMs: number; // per runner: previous file done → next claim (DB round trips between files)
}

async function timeline(server: GantryServer, jobId: string): Promise<Timeline> {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: server.databaseUrl() });
  c.on("error", () => {});
  await c.connect();
  try {
    const j = (await c.query("SELECT created_at, started_at, completed_at FROM import_jobs WHERE id = $1", [jobId])).rows[0];
    const items = (
      await c.query(
        "SELECT claimed_at, updated_at FROM import_items WHERE job_id = $1 AND status = 'imported' AND claimed_at IS NOT NULL ORDER BY claimed_at",
        [jobId],
      )
    ).rows as Array<{ claimed_at: Date; updated_at: Date }>;
    const t = (d: Date | null) => (d ? new Date(d).getTime() : NaN);
    const svc = items.map((i) => t(i.updated_at) - t(i.claimed_at));
    const firstClaim = Math.min(...items.map((i) => t(i.claimed_at)));
    const lastDone = Math.max(...items.map((i) => t(i.updated_at)));
    const svcSum = svc.reduce((a, b) => a + b, 0);
    // Gaps: greedily chain each file to the runner that became free most recently before its claim.
    const free: number[] = [];
    const gaps: number[] = [];
    for (const i of items) {
      const claim = t(i.claimed_at);
      let best = -1;
      for (let k = 0; k < free.length; k++) if (free[k] <= claim && (best < 0 || free[k] > free[best])) best = k;
      if (best >= 0) {
        gaps.push(claim - free[best]);
        free[best] = t(i.updated_at);
      } else free.push(t(i.updated_at));
    }
    const sorted = [...svc].sort((a, b) => a - b);
    return {
      queuePickupMs: t(j.started_at) - t(j.created_at),
      firstClaimMs: firstClaim - t(j.started_at),
      windowMs: lastDone - firstClaim,
      tailMs: t(j.completed_at) - lastDone,
      files: items.length,
      svcMedianMs: median(svc),
      svcP90Ms: sorted[Math.floor(sorted.length * 0.9)] ?? NaN,
      svcSumMs: svcSum,
      parallelism: svcSum / (lastDone - firstClaim),
      gapMedianMs: median(gaps),
    };
  } finally {
    await c.end().catch(() => {});
  }
}

interface CopyResult {
  name: string;
  files: number;
  size: number;
  seedMs: number;
  gantry: JobRun;
  timeline: Timeline;
  rclone: number[]; // ms, runs with --transfers N --checkers C (before and after the Gantry job)
  rcloneCpu: (number | undefined)[]; // ms of rclone's CPU (user + system) in those runs
  rcloneDefaults?: number; // ms, rclone defaults (only run when they differ from the above)
  cpu: string; // CPU seconds per server process during the Gantry job
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      big: { type: "string", default: "200x5MB" },
      small: { type: "string", default: "5000x20KB" },
      rescan: { type: "string", default: "10000" },
      "rescan-rounds": { type: "string", default: "3" },
      concurrency: { type: "string", default: "4" },
      checkers: { type: "string", default: "8" },
      "poll-ms": { type: "string", default: "500" },
      "seed-concurrency": { type: "string", default: "64" },
      "server-env": { type: "string", multiple: true, default: [] },
      "database-url": { type: "string" },
      breakdown: { type: "boolean", default: false },
      "no-record": { type: "boolean", default: false },
      "no-warmup": { type: "boolean", default: false },
      note: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  let big, small;
  try {
    big = parseDataset(values.big!);
    small = parseDataset(values.small!);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const rescanN = Number(values.rescan);
  const rescanRounds = Number(values["rescan-rounds"]);
  const concurrency = Number(values.concurrency);
  const checkers = Number(values.checkers);
  const pollMs = Number(values["poll-ms"]);
  const seedConcurrency = Number(values["seed-concurrency"]);
  if (![rescanN, rescanRounds, concurrency, checkers, pollMs, seedConcurrency].every((n) => Number.isInteger(n) && n >= 0) || concurrency < 1 || rescanRounds < 1 || pollMs < 10) {
    console.error(`bad arguments\n\n${HELP}`);
    return 2;
  }
  const extraEnv: Record<string, string> = {
    GANTRY_WORKER: "inline",
    GANTRY_IMPORT_CONCURRENCY: String(concurrency),
    // The runners of one job are queue jobs: the worker must run at least `concurrency` of them at once.
    GANTRY_WORKER_CONCURRENCY: String(Math.max(4, concurrency)),
  };
  if (!parseServerEnv(values["server-env"] as string[], extraEnv)) return 2;
  if (!hasProductionBuild()) return 2;

  const command = commandLine("import", argv);
  const loadBefore = loadAverage();
  const startedAt = new Date();
  log(command);
  log(`big ${big ? `${big.count} × ${big.size} B` : "skipped"}; small ${small ? `${small.count} × ${small.size} B` : "skipped"}; rescan ${rescanN || "skipped"}; concurrency ${concurrency}; ${os.cpus().length} CPUs; load average ${loadBefore}`);

  let emulators: Emulators | undefined;
  let server: GantryServer | undefined;
  let rclone: Rclone | undefined;
  let freshDb: FreshDatabase | undefined;
  const scratch = mkdtempSync(path.join(os.tmpdir(), "gantry-bench-import-"));
  const cleanup = async () => {
    rclone?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
    await server?.stop().catch((e) => console.error(`stopping Gantry: ${e}`));
    await emulators?.stop().catch((e) => console.error(`stopping emulators: ${e}`));
    await freshDb?.drop().catch((e) => console.error(`dropping ${freshDb?.name}: ${e}`));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(sig === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    // 0. The payload must be real media: check one padded file with the same ffprobe Gantry uses.
    {
      const sample = path.join(scratch, "sample.mp4");
      writeFileSync(sample, paddedClip(Math.max(big?.size ?? 0, small?.size ?? 0, clipBytes().length)));
      const { probeMedia } = await import("@/lib/media/probe");
      const facts = await probeMedia(sample);
      if (!facts.container || !facts.media_type) throw new Error(`the padded payload does not probe as media: ${JSON.stringify(facts)}`);
      log(`padded payload probes OK (${FFPROBE_PATH.split("/").slice(-3).join("/")}): ${facts.container}, ${facts.media_type}, ${facts.duration_seconds} s`);
    }

    // 1. The S3 emulator (reused when GANTRY_TEST_S3_* describes one).
    let env: EmulatorEnv = readEmulatorEnv();
    if (!env.s3) {
      log("starting the S3 emulator");
      emulators = await startEmulators({ only: ["s3"], log: (m) => log(`  ${m}`) });
      env = { ...env, ...readEmulatorEnv(emulators.toEnv()) };
    }
    log(`S3 emulator: ${env.s3!.kind} at ${env.s3!.endpoint}`);
    rclone = await setupRclone(env);
    log(rclone.version);

    // 2. Seed (the server boots meanwhile; neither is timed).
    const runId = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
    const bucket = `gantry-import-${runId}`;
    const prefixes = { big: `import/${runId}/big/`, small: `import/${runId}/small/`, rescan: `import/${runId}/rescan/`, warmup: `import/${runId}/warmup/` };
    if (values["database-url"]) {
      freshDb = await createFreshDatabase(values["database-url"], "gantry_bench_import");
      log(`database: fresh PostgreSQL database ${freshDb.name}`);
    }
    const serverPromise = startGantry({ databaseUrl: freshDb?.url, extraEnv, log });
    serverPromise.catch(() => {});
    const raw = (prefix: string) => rawStorage({ provider: "s3", bucket, prefix }, env);
    await raw("").ensureBucket();
    const seed = async (label: string, prefix: string, count: number, body: (i: number) => Buffer, conc: number) => {
      const r = raw(prefix);
      const t = performance.now();
      await pool(count, conc, (i) => r.put(objectKey(prefix, i), body(i)), (done) => {
        if (done % 5000 === 0) log(`  ${label}: ${done}/${count} seeded`);
      });
      const took = performance.now() - t;
      log(`seeded ${count} ${label} files in ${(took / 1000).toFixed(1)} s`);
      return took;
    };
    const seedMs: Record<string, number> = {};
    if (big) seedMs.big = await seed("big", prefixes.big, big.count, () => paddedClip(big.size), 8);
    if (small) seedMs.small = await seed("small", prefixes.small, small.count, () => paddedClip(small.size), seedConcurrency);
    if (rescanN) seedMs.rescan = await seed("rescan", prefixes.rescan, rescanN, () => clipBytes(), seedConcurrency);
    const warmup = !values["no-warmup"];
    // One small file and one over the small-file limit (1 MiB): both copy paths.
    if (warmup) await seed("warm-up", prefixes.warmup, 2, (i) => paddedClip(i === 0 ? 20_000 : 2_000_000), 2);

    server = await serverPromise;
    const api = new Api(server.baseUrl, server.apiKey);
    {
      // Short-lived connections. (The hang once seen with a long-lived client here was the embedded
      // server's queue treating a fresh connection's StartupMessage as an open batch, so an idle client
      // that had only connected held the shared session: fixed in lib/db/pglite-queue.ts, with a test.)
      const srv = server;
      jobTimes = async (id) => {
        const pg = (await import("pg")).default;
        const c = new pg.Client({ connectionString: srv.databaseUrl() });
        c.on("error", () => {});
        await c.connect();
        try {
          const r = (await c.query("SELECT created_at, started_at, completed_at FROM import_jobs WHERE id = $1", [id])).rows[0];
          return { created: new Date(r.created_at).getTime(), started: new Date(r.started_at).getTime(), completed: new Date(r.completed_at).getTime() };
        } finally {
          await c.end().catch(() => {});
        }
      };
    }
    const idx = await api.call("POST", "indexes", { json: { name: `bench import ${runId}` } });
    if (idx.status !== 201) throw new Error(`POST /indexes: HTTP ${idx.status} ${JSON.stringify(idx.body)}`);
    const indexId = (idx.body as { index_id: string }).index_id;
    const connectorId = await api.createConnector({ provider: "s3", bucket, prefix: "" }, env, "bench import");
    log(`index ${indexId}, connector ${connectorId}`);

    // A server's first import job pays for its code's first use (modules, the database's first statements of each
    // kind, the copy threads' start): ~250 ms more queue pickup measured for the first job (session 11). The timed
    // jobs measure a running server: one untimed job of the two warm-up files goes first (--no-warmup: none).
    let warmupNote = "";
    if (warmup) {
      const w = await runImportJob(api, { connector_id: connectorId, index_id: indexId, source_prefix: prefixes.warmup, file_pattern: "*", recursive: true, import_mode_override: "all" }, 100);
      if (w.job.status !== "completed" || w.job.progress.imported !== 2) throw new Error(`warm-up import ended ${w.job.status} with ${w.job.progress.imported}/2 imported`);
      const wt = await timeline(server, w.job.job_id);
      warmupNote = `warm-up job (2 files, untimed) ${w.serverMs} ms, its queue pickup ${wt.queuePickupMs} ms`;
      log(warmupNote);
    }

    // 3. Copy throughput: rclone, Gantry, rclone again (drift shows as a difference between the two).
    const rcloneFlags = ["--transfers", String(concurrency), "--checkers", String(checkers)];
    const defaultsDiffer = concurrency !== 4 || checkers !== 8; // rclone's defaults are --transfers 4 --checkers 8
    const copies: CopyResult[] = [];
    for (const [name, set] of [["big", big], ["small", small]] as const) {
      if (!set) continue;
      const prefix = prefixes[name];
      const rc = async () => {
        const r = await rclone!.copy(bucket, prefix, rcloneFlags);
        if (r.files !== set.count || r.bytes !== set.count * set.size) throw new Error(`rclone copied ${r.files} files / ${r.bytes} B of ${name}, expected ${set.count} / ${set.count * set.size}`);
        log(`${name}: rclone ${(r.ms / 1000).toFixed(2)} s${r.cpuMs === undefined ? "" : ` (CPU ${(r.cpuMs / 1000).toFixed(2)} s)`}`);
        rcloneCpu.push(r.cpuMs);
        return r.ms;
      };
      const rcloneCpu: (number | undefined)[] = [];
      const rcloneRuns = [await rc()];
      log(`${name}: Gantry import job (${set.count} files)…`);
      const cpu0 = cpuByProcess(server.pid);
      const gantry = await runImportJob(api, { connector_id: connectorId, index_id: indexId, source_prefix: prefix, file_pattern: "*", recursive: true, import_mode_override: "all" }, pollMs);
      const cpu = cpuDelta(cpu0, cpuByProcess(server.pid), gantry.clientMs);
      const p = gantry.job.progress;
      log(`${name}: Gantry ${gantry.job.status} in ${(gantry.serverMs / 1000).toFixed(2)} s (client ${(gantry.clientMs / 1000).toFixed(2)} s): imported ${p.imported}, failed ${p.failed}, skipped ${p.skipped}`);
      if (gantry.job.status !== "completed" || p.imported !== set.count || p.failed !== 0) {
        for (const f of gantry.job.failed_files.slice(0, 20)) console.error(`  failed: ${f.path}: ${f.error}`);
        for (const s of gantry.job.skipped_files.slice(0, 5)) console.error(`  skipped: ${s.path}: ${s.reason}`);
        throw new Error(`${name}: the import job ended ${gantry.job.status} (${gantry.job.error_message ?? ""}) with ${p.imported}/${set.count} imported, ${p.failed} failed, ${p.skipped} skipped`);
      }
      const tl = await timeline(server, gantry.job.job_id);
      rcloneRuns.push(await rc());
      let rcloneDefaults: number | undefined;
      if (defaultsDiffer) {
        const r = await rclone.copy(bucket, prefix, []);
        rcloneDefaults = r.ms;
        log(`${name}: rclone (defaults) ${(r.ms / 1000).toFixed(2)} s`);
      }
      copies.push({ name, files: set.count, size: set.size, seedMs: seedMs[name], gantry, timeline: tl, rclone: rcloneRuns, rcloneCpu, rcloneDefaults, cpu });
    }

    // 4. new_only rescan of already-imported files vs a raw ListObjectsV2 loop over the same prefix.
    let rescan: { initial: JobRun; jobs: JobRun[]; raw: number[]; pages: number } | undefined;
    if (rescanN) {
      const prefix = prefixes.rescan;
      log(`rescan: initial import of ${rescanN} files (not timed)…`);
      const body = { connector_id: connectorId, index_id: indexId, source_prefix: prefix, file_pattern: "*", recursive: true };
      const initial = await runImportJob(api, { ...body, import_mode_override: "all" }, 1000);
      const ip = initial.job.progress;
      log(`rescan: initial import ${initial.job.status} in ${(initial.serverMs / 1000).toFixed(1)} s: imported ${ip.imported}, failed ${ip.failed}`);
      if (ip.imported !== rescanN || ip.failed !== 0) {
        for (const f of initial.job.failed_files.slice(0, 20)) console.error(`  failed: ${f.path}: ${f.error}`);
        throw new Error(`rescan: the initial import imported ${ip.imported}/${rescanN} (failed ${ip.failed})`);
      }
      const lister = raw(prefix);
      const listRaw = async () => {
        const t = performance.now();
        const r = await lister.listAll(1000);
        if (r.count !== rescanN) throw new Error(`raw listing counted ${r.count}, expected ${rescanN}`);
        return { ms: performance.now() - t, pages: r.pages.length };
      };
      const warm = await listRaw();
      rescan = { initial, jobs: [], raw: [], pages: warm.pages };
      for (let r = 0; r < rescanRounds; r++) {
        const order = r % 2 === 0 ? (["gantry", "raw"] as const) : (["raw", "gantry"] as const);
        for (const side of order) {
          if (side === "raw") rescan.raw.push((await listRaw()).ms);
          else {
            const j = await runImportJob(api, { ...body, import_mode_override: "new_only" }, Math.min(pollMs, 100));
            const p = j.job.progress;
            if (j.job.status !== "completed" || p.skipped !== rescanN || p.imported !== 0 || p.failed !== 0) {
              throw new Error(`rescan: the new_only job ended ${j.job.status} with imported ${p.imported}, skipped ${p.skipped}, failed ${p.failed} (expected ${rescanN} skipped)`);
            }
            if (j.job.skipped_files.some((s) => s.reason !== "already_imported")) throw new Error("rescan: a file was skipped for another reason than already_imported");
            rescan.jobs.push(j);
          }
        }
        log(`rescan round ${r + 1}/${rescanRounds}: raw ${ms(rescan.raw.at(-1)!)} ms, new_only job ${ms(rescan.jobs.at(-1)!.serverMs)} ms (server) / ${ms(rescan.jobs.at(-1)!.clientMs)} ms (client)`);
      }
    }

    // 5. Report.
    const header = ["test", "files", "MB", "side", "seconds", "files/s", "MB/s", "ratio", "goal", "result"];
    const rows: string[][] = [];
    const verdicts: string[] = [];
    for (const c of copies) {
      const totalMb = (c.files * c.size) / MB;
      const rcloneMs = median(c.rclone);
      const gMs = c.gantry.serverMs;
      const ratio = rcloneMs / gMs; // throughput ratio Gantry / rclone
      const label = `${c.name} ${c.files}×${fmtSize(c.size)}`;
      const pass = ratio >= COPY_GOAL;
      verdicts.push(`${c.name} ${pass ? "PASS" : "MISS"} ${ratio.toFixed(2)}×`);
      rows.push([label, String(c.files), fmt(totalMb, 0), "Gantry", fmt(gMs / 1000, 2), fmt(c.files / (gMs / 1000), 1), fmt(totalMb / (gMs / 1000), 1), `${ratio.toFixed(2)}×`, `≥ ${COPY_GOAL.toFixed(1)}×`, pass ? "PASS" : "MISS"]);
      rows.push([label, String(c.files), fmt(totalMb, 0), `rclone (--transfers ${concurrency})`, fmt(rcloneMs / 1000, 2), fmt(c.files / (rcloneMs / 1000), 1), fmt(totalMb / (rcloneMs / 1000), 1), "", "", ""]);
      if (c.rcloneDefaults !== undefined) rows.push([label, String(c.files), fmt(totalMb, 0), "rclone (defaults)", fmt(c.rcloneDefaults / 1000, 2), fmt(c.files / (c.rcloneDefaults / 1000), 1), fmt(totalMb / (c.rcloneDefaults / 1000), 1), "", "", ""]);
    }
    if (rescan) {
      const g = median(rescan.jobs.map((j) => j.serverMs));
      const r = median(rescan.raw);
      const ratio = g / r;
      const pass = ratio <= RESCAN_GOAL;
      verdicts.push(`rescan ${pass ? "PASS" : "MISS"} ${ratio.toFixed(2)}×`);
      rows.push([`new_only rescan`, String(rescanN), "-", "Gantry job", fmt(g / 1000, 2), fmt(rescanN / (g / 1000), 0), "-", `${ratio.toFixed(2)}×`, `≤ ${RESCAN_GOAL}×`, pass ? "PASS" : "MISS"]);
      rows.push([`new_only rescan`, String(rescanN), "-", `raw ListObjectsV2 (${rescan.pages} pages)`, fmt(r / 1000, 3), fmt(rescanN / (r / 1000), 0), "-", "", "", ""]);
    }
    const tbl = table(header, rows);
    const notes: string[] = [
      "Ratios: copy = Gantry files/s ÷ rclone files/s (same bytes, so MB/s alike; goal ≥ 1.0×); rescan = Gantry job time ÷ raw listing time (goal ≤ 1.2×).",
      "Gantry time = the job's completed_at − created_at (database timestamps, ms: POST accepted → completed); rclone time = median of the runs before and after the Gantry job.",
      warmup
        ? `Before the timed jobs, one untimed import of 2 files warms the server's import path (the first job after a start pays its code's first use): ${warmupNote}.`
        : "No warm-up import (--no-warmup): the first timed job is the server's first.",
    ];
    const detail: string[] = [];
    for (const c of copies) {
      const t = c.timeline;
      detail.push(
        `- ${c.name}: Gantry ${ms(c.gantry.serverMs)} ms server-side, ${ms(c.gantry.clientMs)} ms client-side (POST → terminal seen, polling every ${pollMs} ms); ` +
          `rclone runs ${c.rclone.map((x) => ms(x)).join(", ")} ms${c.rcloneDefaults !== undefined ? `, defaults ${ms(c.rcloneDefaults)} ms` : ""}; seeding ${(c.seedMs / 1000).toFixed(1)} s.`,
        `  Timeline: queue pickup (created → started) ${ms(t.queuePickupMs)} ms; started → first file claimed ${ms(t.firstClaimMs)} ms; first claim → last file done ${ms(t.windowMs)} ms; ` +
          `last file done → completed ${ms(t.tailMs)} ms. Per file (claimed → row updated): median ${ms(t.svcMedianMs, 1)} ms, p90 ${ms(t.svcP90Ms, 1)} ms; ` +
          `effective parallelism ${fmt(t.parallelism, 2)} of ${concurrency}; median gap between a runner's files ${ms(t.gapMedianMs, 1)} ms.`,
        `  Server CPU during the job (${os.cpus().length} CPUs in all): ${c.cpu}. rclone's own CPU (user + system) per run: ${c.rcloneCpu.map((x) => (x === undefined ? "?" : `${(x / 1000).toFixed(2)} s`)).join(", ")}.`,
      );
    }
    if (rescan) {
      detail.push(
        `- rescan: initial import (not timed) ${(rescan.initial.serverMs / 1000).toFixed(1)} s for ${rescanN} files; new_only jobs ${rescan.jobs.map((j) => `${ms(j.serverMs)} (client ${ms(j.clientMs)})`).join(", ")} ms; ` +
          `queue pickup (created → started) ${rescan.jobs.map((j) => ms(j.times.started - j.times.created)).join(", ")} ms; ` +
          `raw listings ${rescan.raw.map((x) => ms(x)).join(", ")} ms.`,
      );
    }
    const anyMiss = verdicts.some((v) => v.includes("MISS"));

    let breakdownText: string | undefined;
    if (values.breakdown || anyMiss) {
      log("measuring where Gantry's per-file time goes…");
      breakdownText = await perFileBreakdown({ env, bucket, prefixes, big, small, rescanN, scratch, server, copies, rescan, concurrency });
    }

    const serverMem = treeMem(server.pid).sort((a, b) => b.hwmKb - a.hwmKb).map((p) => `${p.cmd} ${mib(p.hwmKb)}`).join("; ");
    const loadAfter = loadAverage();
    console.log("");
    console.log(tbl);
    console.log("");
    for (const n of notes) console.log(n);
    for (const d of detail) console.log(d);
    console.log(`Server peak RSS per process: ${serverMem}`);
    console.log(`Load average: before ${loadBefore}; after ${loadAfter} (${os.cpus().length} CPUs)`);
    if (breakdownText) console.log(`\n${breakdownText}`);
    console.log(`\n${anyMiss ? "MISS" : "PASS"}: ${verdicts.join("; ")}`);

    if (!values["no-record"]) {
      const section = [
        `## import — ${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}`,
        "",
        `Command: \`${command}\``,
        "",
        `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "?"}), ${mib(os.totalmem() / 1024)} RAM, Node ${process.version}; ` +
          `load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter}. S3 emulator: ${env.s3!.kind}. Database: ${values["database-url"] ? "PostgreSQL (--database-url, a fresh database)" : "embedded PGlite"}. ` +
          `Media store: local files (default). ${rclone.version}. Server env: ${Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(" ")}.` +
          `${values.note ? ` Note: ${values.note}` : ""}`,
        "",
        tbl,
        "",
        ...notes,
        "",
        ...detail,
        `- Server peak RSS per process: ${serverMem}.`,
        "",
        `Result: **${anyMiss ? "MISS" : "PASS"}** (${verdicts.join("; ")}).`,
        ...(breakdownText ? ["", breakdownText] : []),
      ].join("\n");
      appendResults(section);
      log(`recorded in ${RESULTS_FILE}`);
    }
    return 0;
  } catch (err) {
    if (server) {
      try {
        const lines = readFileSync(server.logFile, "utf8").split("\n").slice(-30).join("\n");
        console.error(`Gantry log tail (${server.logFile}):\n${lines}`);
      } catch {
        /* no log */
      }
    }
    throw err;
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** CPU seconds (user + system, own + reaped children such as ffprobe) per process of the server's tree. */
function cpuByProcess(root: number): Map<string, number> {
  const hz = 100; // USER_HZ on Linux
  const out = new Map<string, number>();
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cpu = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / hz;
      const m = procMem(pid);
      const name = m?.cmd.includes("next-server") ? "next-server (+ ffprobe children)" : m?.cmd.includes("start.ts") && m.cmd.startsWith("bin/node") ? "launcher + embedded PGlite" : (m?.cmd ?? String(pid));
      out.set(name, (out.get(name) ?? 0) + cpu);
    } catch {
      /* gone */
    }
  }
  return out;
}

function cpuDelta(before: Map<string, number>, after: Map<string, number>, wallMs: number): string {
  return [...after.entries()]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)} s (${((v * 100000) / wallMs).toFixed(0)} % of one CPU)`)
    .join(", ");
}

function fmtSize(b: number): string {
  if (b >= MB && b % MB === 0) return `${b / MB}MB`;
  if (b >= 1000 && b % 1000 === 0) return `${b / 1000}KB`;
  return `${b}B`;
}

/**
 * Where does a file's time go inside Gantry? Each step an import performs per file (lib/imports/
 * import-file.ts + jobs.ts), timed on its own in this process with the same code or the same operation:
 * the S3 GET (fresh stream, read to the end), sha256 + scratch-file write, ffprobe (lib/media/probe),
 * rename into the store, one database round trip to the server's own database, and what rclone needs
 * for the same file (GET + write). Medians of round-robin samples.
 */
async function perFileBreakdown(b: {
  env: EmulatorEnv;
  bucket: string;
  prefixes: { big: string; small: string; rescan: string };
  big: { count: number; size: number } | null;
  small: { count: number; size: number } | null;
  rescanN: number;
  scratch: string;
  server: GantryServer;
  copies: CopyResult[];
  rescan?: { jobs: JobRun[]; raw: number[]; pages: number };
  concurrency: number;
}): Promise<string> {
  const e = b.env.s3!;
  const client = new S3Client({
    endpoint: e.endpoint, region: e.region, forcePathStyle: true,
    credentials: { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED",
  });
  const { probeMedia } = await import("@/lib/media/probe");
  const pg = (await import("pg")).default;
  const pgc = new pg.Client({ connectionString: b.server.databaseUrl() });
  pgc.on("error", () => {});
  await pgc.connect();
  const N = 15;
  const out: string[] = ["### Where Gantry's time goes (per file, one at a time, medians of " + N + " samples)", ""];
  const rows: string[][] = [];
  try {
    const sets = [
      ["big", b.big, b.prefixes.big],
      ["small", b.small, b.prefixes.small],
    ] as const;
    let dbRtt = NaN;
    {
      const s: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        await pgc.query("SELECT id FROM import_jobs ORDER BY id LIMIT 1");
        s.push(performance.now() - t);
      }
      dbRtt = median(s);
    }
    for (const [name, set, prefix] of sets) {
      if (!set) continue;
      const get: number[] = [];
      const hashWrite: number[] = [];
      const probe: number[] = [];
      const renameS: number[] = [];
      for (let i = 0; i < N; i++) {
        const key = objectKey(prefix, i % set.count);
        let t = performance.now();
        const res = await client.send(new GetObjectCommand({ Bucket: b.bucket, Key: key }));
        const buf = Buffer.from(await res.Body!.transformToByteArray());
        get.push(performance.now() - t);
        const f = path.join(b.scratch, `s-${name}-${i}`);
        t = performance.now();
        createHash("sha256").update(buf).digest("hex");
        await writeFile(f, buf);
        hashWrite.push(performance.now() - t);
        t = performance.now();
        await probeMedia(f);
        probe.push(performance.now() - t);
        t = performance.now();
        await rename(f, `${f}.moved`);
        renameS.push(performance.now() - t);
        await rm(`${f}.moved`, { force: true });
      }
      const c = b.copies.find((x) => x.name === name);
      const gantryPerFile = c ? (c.gantry.serverMs * b.concurrency) / c.files : NaN;
      const rclonePerFile = c ? (median(c.rclone) * b.concurrency) / c.files : NaN;
      const sum = median(get) + median(hashWrite) + median(probe) + median(renameS);
      rows.push([
        `${name} (${fmtSize(set.size)})`,
        ms(median(get), 1), ms(median(hashWrite), 1), ms(median(probe), 1), ms(median(renameS), 2),
        ms(sum, 1),
        c ? ms(c.timeline.svcMedianMs, 1) : "-",
        c ? ms(c.timeline.gapMedianMs, 1) : "-",
        ms(gantryPerFile, 1),
        ms(rclonePerFile, 1),
      ]);
    }
    out.push(table(
      ["set", "S3 GET ms", "sha256 + scratch write ms", "probe ms (lib/media/probe)", "rename ms", "sum of steps ms", "Gantry claim→done ms (measured)", "Gantry gap between files ms", `Gantry wall ms/file × ${b.concurrency}`, `rclone wall ms/file × ${b.concurrency}`],
      rows,
    ));
    out.push("");
    out.push(
      `Database round trip (one indexed SELECT to the server's embedded PGlite through its socket): median ${ms(dbRtt, 2)} ms. ` +
        `Per imported file the runner issues 2 round trips (the claim UPDATE … RETURNING the row; one statement recording the video, its media.created event and the item's status, ` +
        `when no webhook subscribes to media.created), plus the job-status SELECT at most every 500 ms, currentFile at most once a second and a progress recount at most once a second ` +
        `per runner process: ≈ ${ms(dbRtt * 2, 1)} ms of round trips per file when idle — and the embedded database serves every connection through one session, so the ${b.concurrency} runners queue on it.`,
    );
    out.push(
      `"Gantry wall ms/file × ${b.concurrency}" is the job time × concurrency ÷ files: the time one runner spends per file, all overheads included; ` +
        `the rclone column is the same for rclone's ${b.concurrency} transfers. The gap between a runner's files is what it spends outside claim → done (the claim, and a job-status SELECT at most every 500 ms).`,
    );
    if (b.rescan) {
      const pickups = b.rescan.jobs.map((j) => j.times.started - j.times.created);
      const scans = b.rescan.jobs.map((j) => j.times.completed - j.times.started);
      out.push("");
      out.push(
        `Rescan: of the new_only job's time, the inline worker's queue pickup (created → started, the worker polls every 2 s ± 20 % when idle) took median ${ms(median(pickups))} ms; ` +
          `the scan itself (started → completed: ${b.rescan.pages} pages of ListObjectsV2, each recorded in one transaction: item INSERTs classified with a source-key probe + cursor UPDATE; a progress refresh at most once a second) median ${ms(median(scans))} ms, ` +
          `vs ${ms(median(b.rescan.raw))} ms for the raw listing.`,
      );
    }
  } finally {
    await pgc.end().catch(() => {});
    client.destroy();
  }
  return out.join("\n");
}
