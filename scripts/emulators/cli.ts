/**
 * `npm run emulators` — starts the storage emulators (S3, Azure Blob + Azure OAuth, GCS) on loopback,
 * prints their endpoints and test credentials, and stops them on Ctrl-C.
 *
 *   tsx scripts/emulators/cli.ts [--s3 radosgw|fauxqs|auto] [--only s3,azure,azureOAuth,gcs]
 *                                [--write-env PATH] [--json]
 *
 * --write-env writes `export NAME=value` lines (source it in another shell; it also sets
 * NODE_EXTRA_CA_CERTS so that processes started from that shell trust the Azure OAuth endpoints).
 * --json prints one JSON object with the variables instead of the table.
 */
import { writeFileSync, rmSync } from "node:fs";
import path from "node:path";
import { startEmulators, type S3Choice, type StartEmulatorsOptions } from "./index";

function usage(code: number): never {
  const text =
    "usage: tsx scripts/emulators/cli.ts [--s3 radosgw|fauxqs|auto] [--only s3,azure,azureOAuth,gcs] " +
    "[--write-env PATH] [--json]";
  (code ? console.error : console.log)(text);
  process.exit(code);
}

function parseArgs(argv: string[]) {
  const out: { s3?: S3Choice; only?: StartEmulatorsOptions["only"]; writeEnv?: string; json: boolean } = {
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(2);
      return v;
    };
    if (a === "--s3") {
      const v = value();
      if (v !== "radosgw" && v !== "fauxqs" && v !== "auto") usage(2);
      out.s3 = v;
    } else if (a === "--only") {
      const names = value().split(",").map((s) => s.trim()).filter(Boolean);
      for (const n of names) if (!["s3", "azure", "azureOAuth", "gcs"].includes(n)) usage(2);
      out.only = names as StartEmulatorsOptions["only"];
    } else if (a === "--write-env") out.writeEnv = path.resolve(value());
    else if (a === "--json") out.json = true;
    else if (a === "--help" || a === "-h") usage(0);
    else usage(2);
  }
  return out;
}

function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const progress = args.json ? (m: string) => console.error(m) : (m: string) => console.log(m);
  progress("starting emulators…");
  const emulators = await startEmulators({ s3: args.s3, only: args.only, log: progress });
  const env = emulators.toEnv();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    progress(`\n${signal}: stopping emulators…`);
    try {
      await emulators.stop();
      if (args.writeEnv) rmSync(args.writeEnv, { force: true });
      progress("stopped.");
      process.exit(0);
    } catch (err) {
      console.error(err);
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGHUP", () => void shutdown("SIGHUP"));

  if (args.writeEnv) {
    const lines = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
    if (env.GANTRY_TEST_AZURE_CA_CERT) lines.push(`export NODE_EXTRA_CA_CERTS=${shellQuote(env.GANTRY_TEST_AZURE_CA_CERT)}`);
    writeFileSync(args.writeEnv, lines.join("\n") + "\n");
  }

  if (args.json) {
    console.log(JSON.stringify(env));
  } else {
    const e = emulators;
    const rows: string[] = [];
    if (e.s3) {
      rows.push(
        `S3 (${e.s3.kind}${e.s3.checksCredentials ? "" : ", does NOT check credentials"})`,
        `  endpoint           ${e.s3.endpoint}   (path-style; region ${e.s3.region})`,
        `  access key id      ${e.s3.accessKeyId}`,
        `  secret access key  ${e.s3.secretAccessKey}`,
        `  client settings    forcePathStyle: true, requestChecksumCalculation/responseChecksumValidation: "WHEN_REQUIRED"`,
        `  booted in          ${e.s3.bootMs} ms`,
        "",
      );
    }
    if (e.azure) {
      rows.push(
        "Azure Blob (Azurite, shared key)",
        `  endpoint           ${e.azure.endpoint}`,
        `  account            ${e.azure.accountName}`,
        `  key                ${e.azure.accountKey}`,
        `  connection string  ${e.azure.connectionString}`,
        "",
      );
    }
    if (e.azureOAuth) {
      rows.push(
        "Azure Blob (Azurite over HTTPS, OAuth / service principal)",
        `  endpoint           ${e.azureOAuth.endpoint}`,
        `  authority host     ${e.azureOAuth.authorityHost}   (disableInstanceDiscovery: true)`,
        `  tenant id          ${e.azureOAuth.tenantId}`,
        `  client id          ${e.azureOAuth.clientId}`,
        `  client secret      ${e.azureOAuth.clientSecret}`,
        `  CA certificate     ${e.azureOAuth.caCertPath}   (NODE_EXTRA_CA_CERTS=… for clients)`,
        "",
      );
    }
    if (e.gcs) {
      rows.push(
        "GCS (project emulator, no credential checks)",
        `  endpoint           ${e.gcs.endpoint}   (apiEndpoint, or STORAGE_EMULATOR_HOST)`,
        "",
      );
    }
    rows.push(`all up in ${e.bootMs} ms.`);
    if (args.writeEnv) rows.push(`environment written to ${args.writeEnv} (source it).`);
    rows.push("", "environment:", ...Object.entries(env).map(([k, v]) => `  export ${k}=${shellQuote(v)}`));
    rows.push("", "Ctrl-C to stop.");
    console.log(rows.join("\n"));
  }
  // Stay alive until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
