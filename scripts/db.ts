// `npm run db:migrate -- <name>` / `db:deploy` / `db:status [-- --check]`: Prisma migrations through the
// wasm schema engine (lib/db/migrate.ts), because the Prisma CLI's migrate commands need a native engine
// binary it cannot download here. The database is DATABASE_URL when set, else the embedded PGlite under
// $GANTRY_DATA_DIR/pglite: the running owner's (e.g. `npm run dev`) when there is one, else started here.
import path from "node:path";
import { parseArgs } from "node:util";

const HELP = `Usage:
  npm run db:migrate -- <name>      create prisma/migrations/<timestamp>_<name> from schema changes, then apply
  npm run db:deploy                 apply pending migrations
  npm run db:status [-- --check]    show applied / pending / failed / modified migrations
                                    (--check: exit 1 unless up to date)

Options: --migrations-dir DIR, --schema FILE (defaults: prisma/migrations, prisma/schema.prisma)
Database: DATABASE_URL, else the embedded PGlite in $GANTRY_DATA_DIR/pglite (default .data/pglite).`;

/** user:password@ → user:***@, so a pasted status never leaks the password. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      check: { type: "boolean", default: false },
      "migrations-dir": { type: "string" },
      schema: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return command || values.help ? 0 : 2;
  }
  if (!["migrate", "deploy", "status"].includes(command)) {
    console.error(`unknown command '${command}'\n\n${HELP}`);
    return 2;
  }
  const opts = { migrationsDir: values["migrations-dir"], schemaPath: values.schema };
  const { createMigration, deployMigrations, migrationStatus } = await import("@/lib/db/migrate");

  if (command === "migrate") {
    const name = rest.join("_");
    if (!name) {
      console.error("usage: npm run db:migrate -- <name>   (e.g. add_connectors)");
      return 2;
    }
    // Writing the migration needs no database (the diff replays the folder on an in-memory shadow), so a
    // bad name or schema fails before any database is started.
    await createMigration(name, opts);
  }

  const { resolveDatabaseUrl } = await import("@/lib/db/embedded");
  // transient: a `npm run dev` starting meanwhile waits for this command instead of borrowing a database
  // that disappears when it exits.
  const database = await resolveDatabaseUrl({ transient: true });
  const where =
    database.source === "env" ? `DATABASE_URL ${redact(database.url)}`
    : database.source === "owner" ? `embedded PGlite served by a running Gantry (${database.url})`
    : `embedded PGlite ${path.relative(process.cwd(), path.resolve(process.env.GANTRY_DATA_DIR ?? ".data", "pglite"))} (started for this command)`;
  console.log(`Database: ${where}`);
  try {
    if (command === "migrate" || command === "deploy") {
      await deployMigrations(database.url, opts);
      return 0;
    }
    const s = await migrationStatus(database.url, opts);
    const appliedAt = new Map(s.applied.map((a) => [a.name, a.finishedAt]));
    const names = [...new Set([...s.local, ...s.missingLocally])].sort();
    const width = Math.max(9, ...names.map((n) => n.length));
    console.log(`${pad("MIGRATION", width)}  STATE`);
    for (const n of names) {
      const state =
        s.failed.includes(n) ? "FAILED (run the fix by hand, then mark it rolled back or applied)"
        : s.modified.includes(n) ? `MODIFIED after it was applied (${appliedAt.get(n)?.toISOString() ?? ""})`
        : s.missingLocally.includes(n) ? "applied, but missing from the migrations folder"
        : s.pending.includes(n) ? "pending"
        : appliedAt.has(n) ? `applied ${appliedAt.get(n)!.toISOString()}`
        : "not applied";
      console.log(`${pad(n, width)}  ${state}`);
    }
    if (names.length === 0) console.log("(no migrations)");
    const problems = [
      s.pending.length && `${s.pending.length} pending`,
      s.failed.length && `${s.failed.length} failed`,
      s.modified.length && `${s.modified.length} modified`,
      s.missingLocally.length && `${s.missingLocally.length} missing locally`,
    ].filter(Boolean);
    console.log(s.upToDate ? "Database schema is up to date." : `Not up to date: ${problems.join(", ")}.`);
    return values.check && !s.upToDate ? 1 : 0;
  } finally {
    await database.stop?.();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.GANTRY_DEBUG && err instanceof Error) console.error(err.stack);
    process.exit(1);
  },
);
