// `npm test [-- vitest args]`: unit + integration suites (vitest.config.ts). `npm test -- e2e [args]` (or
// `npm run test:e2e`) runs the browser suite (vitest.e2e.config.ts). Exits with vitest's status.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const args = process.argv.slice(2);
const e2e = args[0] === "e2e";
const rest = e2e ? args.slice(1) : args;

// Next.js (imported by some tests) otherwise phones home on first use.
process.env.NEXT_TELEMETRY_DISABLED = "1";
// Vite 8 warns on every run that a .ts config in a package without "type": "module" will need a rename
// once its native config loader becomes the default; nothing to act on today.
process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= "true";

// Run vitest's own bin with this node: no npx lookup, no shell, arguments passed through untouched.
const require = createRequire(import.meta.url);
const vitestBin = path.join(path.dirname(require.resolve("vitest/package.json")), "vitest.mjs");
const vitestArgs = ["run", ...(e2e ? ["--config", "vitest.e2e.config.ts"] : []), ...rest];

const child = spawn(process.execPath, [vitestBin, ...vitestArgs], { stdio: "inherit", env: process.env });
// The terminal delivers Ctrl-C to the whole process group; forward other termination requests.
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
