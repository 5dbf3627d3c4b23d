// The rclone side of the import bench: a throwaway config for the S3 emulator and timed
// `rclone copy remote:bucket/prefix <local dir>` runs (destination emptied before each run).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EmulatorEnv } from "../../scripts/emulators/index";

export const RCLONE_BIN = process.env.RCLONE_BIN ?? "/usr/bin/rclone";

export interface Rclone {
  version: string;
  /** Copies bucket/prefix into a fresh local dir; returns wall ms, rclone's CPU ms (user + system), the files and bytes that landed. */
  copy(bucket: string, prefix: string, flags: string[]): Promise<{ ms: number; cpuMs?: number; files: number; bytes: number; stderr: string }>;
  cleanup(): void;
}

/** The marker line bash's `time` prints for a timed run: user and system CPU seconds. */
const CPU_LINE = "__rclone_cpu__";

/** Runs rclone; with `timed`, through bash's `time` keyword, whose user + system CPU comes back as cpuMs. */
function run(args: string[], timed = false): Promise<{ code: number; stdout: string; stderr: string; cpuMs?: number }> {
  return new Promise((resolve, reject) => {
    // No AWS_* from the caller: rclone's S3 backend would pick up e.g. AWS_CA_BUNDLE (and fail on it with
    // "unsupported transport"); the emulator is plain HTTP and every setting is in the config file.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("RCLONE_"))) as NodeJS.ProcessEnv;
    const child = timed
      ? spawn("bash", ["-c", `TIMEFORMAT="${CPU_LINE} %U %S"; time "$0" "$@"`, RCLONE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env })
      : spawn(RCLONE_BIN, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = new RegExp(`^${CPU_LINE} ([0-9.]+) ([0-9.]+)\\n?`, "m");
      const m = line.exec(stderr);
      resolve({ code: code ?? 1, stdout, stderr: stderr.replace(line, ""), cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined });
    });
  });
}

function countTree(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(path.join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

export async function setupRclone(env: EmulatorEnv): Promise<Rclone> {
  const e = env.s3!;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gantry-bench-rclone-"));
  const config = path.join(tmp, "rclone.conf");
  writeFileSync(
    config,
    [
      "[emu]",
      "type = s3",
      `provider = ${e.kind === "radosgw" ? "Ceph" : "Other"}`,
      "env_auth = false",
      `access_key_id = ${e.accessKeyId}`,
      `secret_access_key = ${e.secretAccessKey}`,
      `region = ${e.region}`,
      `endpoint = ${e.endpoint}`,
      "force_path_style = true",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const v = await run(["version"]);
  const version = v.stdout.split("\n")[0]?.trim() || "rclone (unknown version)";
  let runs = 0;
  return {
    version,
    async copy(bucket, prefix, flags) {
      // A fresh directory per run, all removed at cleanup: deleting thousands of files right before the next
      // timed run (rclone's or Gantry's) slows that run's file creations (see bench/RESULTS.md, session 11).
      const dest = path.join(tmp, `dest-${++runs}`);
      const args = ["--config", config, "copy", `emu:${bucket}/${prefix.replace(/\/+$/, "")}`, dest, ...flags];
      const t = performance.now();
      const r = await run(args, true);
      const ms = performance.now() - t;
      if (r.code !== 0) throw new Error(`rclone ${args.slice(2).join(" ")} exited ${r.code}: ${r.stderr.slice(-2000)}`);
      const counted = countTree(dest);
      return { ms, cpuMs: r.cpuMs, ...counted, stderr: r.stderr };
    },
    cleanup() {
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
