// Operator CLI: `npm run gantry -- <command>`. Uses the same services and validation as the API.
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { generateKek } from "@/lib/security/secrets";

const HELP = `Usage: npm run gantry -- <command> [options]

  users create --email E --password P [--name N]     create a user and their workspace
  api-keys create --email E --name N [--scopes admin,write] [--expires-in-days D]
                                                     mint an API key (printed alone on the last line)
  keys rotate                                        re-wrap every sealed secret under the newest GANTRY_KEK
  secrets generate                                   print fresh AUTH_SECRET and GANTRY_KEK values
`;

async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  const { resolveDatabaseUrl } = await import("@/lib/db/embedded");
  const handle = await resolveDatabaseUrl({ transient: true });
  process.env.DATABASE_URL = handle.url;
  const { disconnectDb } = await import("@/lib/db");
  try {
    if (handle.stop) {
      const { deployMigrations } = await import("@/lib/db/migrate");
      await deployMigrations(handle.url, { quiet: true });
    }
    return await fn();
  } finally {
    await disconnectDb();
    await handle.stop?.();
  }
}

function fail(msg: string): never {
  console.error(`error: ${msg}`);
  process.exit(2);
}

async function main(argv: string[]) {
  const [group, cmd, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" }, password: { type: "string" }, name: { type: "string" },
      scopes: { type: "string" }, "expires-in-days": { type: "string" },
    },
    allowPositionals: false,
  });
  const { ApiError } = await import("@/lib/api/errors");
  try {
    switch (`${group ?? ""} ${cmd ?? ""}`.trim()) {
      case "users create": {
        await withDatabase(async () => {
          const { createUserWithWorkspace } = await import("@/lib/auth/users");
          const r = await createUserWithWorkspace({ email: values.email ?? "", password: values.password ?? "", name: values.name });
          console.log(`created user ${r.userId} (${r.email}) with workspace ${r.workspaceId}`);
        });
        return;
      }
      case "api-keys create": {
        await withDatabase(async () => {
          const { db } = await import("@/lib/db");
          const { createApiKey } = await import("@/lib/api-keys/api-keys");
          const email = (values.email ?? "").trim().toLowerCase();
          const user = email ? await db.user.findUnique({ where: { email }, include: { memberships: true } }) : null;
          if (!user || user.memberships.length === 0) fail(`no user with email '${values.email ?? ""}'`);
          const days = values["expires-in-days"];
          const created = await createApiKey(user.memberships[0].workspaceId, {
            name: values.name ?? "",
            scopes: (values.scopes ?? "read").split(",").map((s) => s.trim()).filter(Boolean) as never,
            expires_in_days: days ? Number(days) : undefined,
          }, user.id);
          console.log(`created API key ${created.key_id} (${created.scopes.join(",")}) for ${email}; it is shown once:`);
          console.log(created.key);
        });
        return;
      }
      case "keys rotate": {
        await withDatabase(async () => {
          await import("@/lib/security/all-sealed-columns");
          const { rewrapAllSecrets } = await import("@/lib/security/sealed-columns");
          const report = await rewrapAllSecrets();
          for (const r of report) console.log(`${r.table}: re-wrapped ${r.rewrapped} of ${r.total}`);
          if (report.length === 0) console.log("no sealed columns registered");
        });
        return;
      }
      case "secrets generate": {
        console.log(`AUTH_SECRET=${randomBytes(32).toString("base64url")}`);
        console.log(`GANTRY_KEK=v1:${generateKek()}`);
        return;
      }
      default:
        console.log(HELP);
        process.exit(group ? 2 : 0);
    }
  } catch (err) {
    if (err instanceof ApiError) {
      const fields = (err.details.fields as { field: string; message: string }[] | undefined) ?? [];
      fail(fields.length ? fields.map((f) => `${f.field}: ${f.message}`).join("; ") : err.message);
    }
    const { ZodError } = await import("zod");
    if (err instanceof ZodError) fail(err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    throw err;
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
