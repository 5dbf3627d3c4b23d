// The migration tooling (lib/db/migrate.ts) end to end on whichever database the suite runs against:
// create a migration for a schema change, check status before and after deploying it to a fresh
// database, and check what lands in `_prisma_migrations`. It leans on the wasm schema engine's
// non-public API, so this is the test that catches an engine upgrade changing it.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPgliteServer, startEmbeddedDatabase } from "../../lib/db/embedded";
import { createMigration, deployMigrations, migrationChecksum, migrationStatus, type CreatedMigration } from "../../lib/db/migrate";

const ROOT = path.resolve(__dirname, "../..");
const SUITE_URL = process.env.DATABASE_URL;
if (!SUITE_URL) throw new Error("migrations.test.ts needs DATABASE_URL (set by the test global setup)");

const PROBE_MODEL = `
model MigrationProbe {
  id        String   @id
  note      String?
  tags      String[]
  createdAt DateTime @default(now()) @map("created_at")

  @@index([createdAt])
  @@map("migration_probes")
}
`;

/** A database nobody else uses: a new database on the PostgreSQL server the suite points at, or a
 *  separate in-memory embedded PGlite when the suite runs on the embedded one (PGlite has a single
 *  database, and its sessions are shared). */
async function freshDatabase(): Promise<{ url: string; kind: "postgres" | "embedded"; drop(): Promise<void> }> {
  if (await isPgliteServer(SUITE_URL!)) {
    const db = await startEmbeddedDatabase({ memory: true, installSignalHandlers: false });
    return { url: db.url, kind: "embedded", drop: db.stop };
  }
  const name = `gantry_migrations_test_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SUITE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(SUITE_URL!);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    kind: "postgres",
    drop: async () => {
      const c = new pg.Client({ connectionString: SUITE_URL });
      await c.connect();
      // FORCE: a pool that has not finished closing must not keep the database alive.
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("migrations through the wasm schema engine", () => {
  let work: string;
  let migrationsDir: string;
  let schemaPath: string;
  let realMigrations: string[];
  let created: CreatedMigration | null;
  let target: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "gantry-migrations-test-"));
    migrationsDir = path.join(work, "migrations");
    schemaPath = path.join(work, "schema.prisma");
    const real = path.join(ROOT, "prisma/migrations");
    if (existsSync(real)) cpSync(real, migrationsDir, { recursive: true });
    realMigrations = localMigrations();
    writeFileSync(schemaPath, readFileSync(path.join(ROOT, "prisma/schema.prisma"), "utf8") + PROBE_MODEL);
    target = await freshDatabase();
  });

  afterAll(async () => {
    await target?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Migration directories in the folder, read directly. */
  function localMigrations(): string[] {
    if (!existsSync(migrationsDir)) return [];
    return readdirSync(migrationsDir).filter((n) => statSync(path.join(migrationsDir, n)).isDirectory()).sort();
  }

  it("creates a migration holding only the change, in Prisma's folder layout", async () => {
    created = await createMigration("add migration probe", { migrationsDir, schemaPath, quiet: true });
    expect(created).not.toBeNull();
    expect(created!.name).toMatch(/^\d{14}_add_migration_probe$/);
    const file = path.join(migrationsDir, created!.name, "migration.sql");
    expect(readFileSync(file, "utf8")).toBe(created!.sql);
    expect(created!.sql).toContain('CREATE TABLE "migration_probes"');
    expect(created!.warnings).toEqual([]);
    expect(created!.sql).toContain('"tags" TEXT[]');
    expect(created!.sql).toContain('CREATE INDEX "migration_probes_created_at_idx"');
    // Diffed from the existing history, not from an empty database.
    if (realMigrations.length) expect(created!.sql).not.toContain('CREATE TABLE "workspaces"');
    expect(readFileSync(path.join(migrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
    // New names sort after every existing one, so the folder order is the apply order.
    expect([...realMigrations, created!.name].sort().at(-1)).toBe(created!.name);
  });

  it("writes nothing when the schema has not changed", async () => {
    expect(await createMigration("nothing", { migrationsDir, schemaPath, quiet: true })).toBeNull();
    expect(localMigrations()).toEqual([...realMigrations, created!.name]);
  });

  it("reports every migration pending on a fresh database", async () => {
    const s = await migrationStatus(target.url, { migrationsDir });
    expect(s).toMatchObject({
      local: [...realMigrations, created!.name],
      applied: [],
      pending: [...realMigrations, created!.name],
      failed: [],
      modified: [],
      missingLocally: [],
      hasMigrationsTable: false,
      upToDate: false,
    });
  });

  it("applies them once even when several processes deploy at the same moment", async () => {
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");
    const script = path.join(ROOT, "tests/fixtures/deploy-migrations.ts");
    const children = [1, 2, 3].map(() => {
      const child = spawn(tsx, [script, target.url, migrationsDir], { cwd: ROOT, env: process.env, stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      const ready = new Promise<void>((resolve, reject) => {
        const check = () => (out.startsWith("ready\n") ? resolve() : undefined);
        child.stdout.on("data", check);
        child.on("exit", (code) => reject(new Error(`deploy child exited early (${code}): ${err}`)));
      });
      const done = new Promise<string[]>((resolve, reject) => {
        child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.split("\n")[1]) as string[]) : reject(new Error(`deploy child failed (${code}): ${err}`))));
      });
      return { child, ready, done };
    });
    // A barrier: every process has loaded the engine code before any of them starts deploying.
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.end("go\n");
    const outputs = await Promise.all(children.map((c) => c.done));
    // Each migration was applied by exactly one of the processes, and none failed.
    expect(outputs.flat().sort()).toEqual([...realMigrations, created!.name].sort());
  });

  it("is a no-op when the database is up to date", async () => {
    expect(await deployMigrations(target.url, { migrationsDir, quiet: true })).toEqual([]);
  });

  it("leaves the tables and a standard _prisma_migrations history", async () => {
    const cols = await query<{ column_name: string; data_type: string }>(
      target.url,
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'migration_probes' ORDER BY ordinal_position`,
    );
    expect(cols).toEqual([
      { column_name: "id", data_type: "text" },
      { column_name: "note", data_type: "text" },
      { column_name: "tags", data_type: "ARRAY" },
      { column_name: "created_at", data_type: "timestamp without time zone" },
    ]);
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null; applied_steps_count: number }>(
      target.url,
      `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual([...realMigrations, created!.name]);
    for (const r of rows) {
      // The checksum Prisma's native `migrate deploy/status` compares: sha256 of the file.
      expect(r.checksum).toBe(migrationChecksum(readFileSync(path.join(migrationsDir, r.migration_name, "migration.sql"), "utf8")));
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
  });

  it("reports the database up to date, then a migration edited after it was applied", async () => {
    const s = await migrationStatus(target.url, { migrationsDir });
    expect(s).toMatchObject({ pending: [], failed: [], modified: [], missingLocally: [], hasMigrationsTable: true, upToDate: true });
    expect(s.applied.map((a) => a.name)).toEqual([...realMigrations, created!.name]);

    const file = path.join(migrationsDir, created!.name, "migration.sql");
    writeFileSync(file, `${created!.sql}\n-- edited after deploy\n`);
    const edited = await migrationStatus(target.url, { migrationsDir });
    expect(edited.modified).toEqual([created!.name]);
    expect(edited.upToDate).toBe(false);
    writeFileSync(file, created!.sql);
  });
});
