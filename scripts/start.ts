// Launcher behind `npm run dev`, `npm start` and `npm run worker`: provides the database (the operator's
// PostgreSQL from DATABASE_URL, or the embedded PGlite under .data/), validates the environment once,
// applies pending migrations, then runs Next.js (or a worker) with the resolved configuration.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { envWithMemorySettings, memorySettings, needsRestart, type MemorySettings } from "@/lib/config/heap";

const mode = process.argv[2] as "dev" | "start" | "worker";
if (!["dev", "start", "worker"].includes(mode)) {
  console.error("usage: tsx scripts/start.ts dev|start|worker");
  process.exit(2);
}
process.env.NEXT_TELEMETRY_DISABLED = "1";
if (mode === "start" || mode === "worker") (process.env as Record<string, string | undefined>).NODE_ENV ??= "production";

/** Runs a child with the memory settings, forwarding SIGINT/SIGTERM to it; `onExit` gets its exit code. */
function runChild(command: string, args: string[], mem: MemorySettings, onExit: (code: number) => void): void {
  const child = spawn(command, args, { stdio: "inherit", env: envWithMemorySettings(process.env, mem) as NodeJS.ProcessEnv });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => onExit(code ?? (signal ? 0 : 1)));
}

async function main() {
  let mem: MemorySettings;
  try {
    mem = memorySettings();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  // V8 and malloc read the settings only at start-up: a worker runs this launcher again with them.
  if (mode === "worker" && needsRestart(mem)) {
    return runChild(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], mem, (code) => process.exit(code));
  }
  const { resolveDatabaseUrl } = await import("@/lib/db/embedded");
  const operatorUrl = process.env.DATABASE_URL;
  const database = await resolveDatabaseUrl();
  process.env.DATABASE_URL = database.url;
  process.env.GANTRY_DATABASE_MODE = operatorUrl ? "external" : "embedded";

  const { parseEnv, EnvError } = await import("@/lib/config/env");
  let config;
  try {
    config = parseEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      await database.stop?.();
      process.exit(1);
    }
    throw err;
  }
  process.env.AUTH_SECRET = config.AUTH_SECRET;
  process.env.GANTRY_KEK = config.GANTRY_KEK;
  process.env.AUTH_TRUST_HOST ??= "true";
  mkdirSync(path.resolve(config.GANTRY_DATA_DIR, "media"), { recursive: true });

  const { deployMigrations } = await import("@/lib/db/migrate");
  const applied = await deployMigrations(database.url);
  if (applied.length) console.log(`[gantry] applied migrations: ${applied.join(", ")}`);
  console.log(`[gantry] database: ${operatorUrl ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite (${path.resolve(config.GANTRY_DATA_DIR, "pglite")})`}`);

  const shutdown = async (code: number) => {
    await database.stop?.();
    process.exit(code);
  };

  if (mode === "worker") {
    const { runWorkerProcess } = await import("./worker");
    await runWorkerProcess({ onExit: shutdown });
    return;
  }

  const args = mode === "dev" ? ["dev"] : ["start"];
  if (process.env.PORT) args.push("-p", process.env.PORT);
  // GANTRY_CPU_PROFILE_DIR: Next.js runs under V8's sampling profiler and writes a .cpuprofile there when
  // it exits (performance work; read with `npx tsx bench/cpu-profile-top.ts`). --cpu-prof is refused in
  // NODE_OPTIONS, hence Next's CLI is always started through node itself.
  const profileDir = process.env.GANTRY_CPU_PROFILE_DIR;
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  runChild(process.execPath, [...profile, path.resolve("node_modules/next/dist/bin/next"), ...args], mem, (code) => void shutdown(code));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
