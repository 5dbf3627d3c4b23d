// Bench dispatcher: `npm run bench -- <name> [--flags]` runs bench/<name>.ts's exported main(args).
// With no name it lists the benches available. Results of each bench go to bench/RESULTS.md.
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

process.env.NEXT_TELEMETRY_DISABLED = "1";

const here = path.dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const benches = available();
  if (!name || name === "--help" || name === "-h") {
    console.log("Usage: npm run bench -- <name> [--flags]   (npm run bench -- <name> --help for a bench's flags)\n");
    console.log("Available benches:");
    for (const b of benches) console.log(`  ${b}`);
    return name ? 0 : 0;
  }
  if (!benches.includes(name)) {
    console.error(`unknown bench ${JSON.stringify(name)}; available: ${benches.join(", ") || "(none)"}`);
    return 2;
  }
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { main?: (args: string[]) => Promise<number | void> };
  if (typeof mod.main !== "function") {
    console.error(`bench/${name}.ts does not export main(args)`);
    return 2;
  }
  return (await mod.main(args)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
