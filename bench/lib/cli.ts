import { assertProductionBuild, MissingBuildError } from "./gantry-server";

// Shared command-line plumbing of the benches: --server-env parsing, the build check, the recorded command.

/** Adds each `K=V` to `into`; prints the bad entry and returns false on the first one without a key. */
export function parseServerEnv(list: string[], into: Record<string, string>): boolean {
  for (const kv of list) {
    const at = kv.indexOf("=");
    if (at < 1) {
      console.error(`--server-env expects K=V, got ${JSON.stringify(kv)}`);
      return false;
    }
    into[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return true;
}

/** False (after saying why) when there is no production build to serve. */
export function hasProductionBuild(): boolean {
  try {
    assertProductionBuild();
    return true;
  } catch (err) {
    if (err instanceof MissingBuildError) {
      console.error(err.message);
      return false;
    }
    throw err;
  }
}

/** The command line as it is recorded in RESULTS.md. */
export function commandLine(bench: string, argv: string[]): string {
  return `npm run bench -- ${bench}${argv.length ? ` ${argv.map((a) => (/[^\w.,=:/@-]/.test(a) ? JSON.stringify(a) : a)).join(" ")}` : ""}`;
}
