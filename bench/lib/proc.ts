// Linux /proc helpers for the benches: process trees, peak RSS (VmHWM), load average.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createServer } from "node:net";

export interface ProcMem {
  pid: number;
  /** First words of the command line, for reports. */
  cmd: string;
  /** Peak resident set size (VmHWM) in KiB. */
  hwmKb: number;
  /** Current resident set size (VmRSS) in KiB. */
  rssKb: number;
}

function ppidOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[1]);
  } catch {
    return null;
  }
}

/** `root` and all its descendants that are alive now (a snapshot of /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    const ppid = ppidOf(pid);
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = ppidOf(root) === null ? [] : [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function statusField(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) : 0;
}

export function procMem(pid: number): ProcMem | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    // Drop node's loader flags (tsx adds --require/--import with long paths) so the script shows.
    const args: string[] = [];
    for (let i = 0; i < cmdline.length && args.length < 4; i++) {
      if (cmdline[i] === "--require" || cmdline[i] === "--import" || cmdline[i] === "-r") {
        i++;
        continue;
      }
      args.push(cmdline[i].includes("/") ? cmdline[i].split("/").slice(-2).join("/") : cmdline[i]);
    }
    const cmd = args.join(" ");
    return { pid, cmd, hwmKb: statusField(status, "VmHWM"), rssKb: statusField(status, "VmRSS") };
  } catch {
    return null;
  }
}

/** Peak RSS of every process of the tree (each process's own VmHWM; they are not summed). */
export function treeMem(root: number): ProcMem[] {
  return processTree(root)
    .map(procMem)
    .filter((m): m is ProcMem => m !== null && m.hwmKb > 0);
}

/**
 * Resets VmHWM to the current RSS for every process of the tree (`echo 5 > /proc/PID/clear_refs`,
 * Linux ≥ 4.0, own processes only), so a later reading is the peak of what ran in between.
 * Returns false when the kernel refused (the readings are then peaks since process start).
 */
export function resetPeak(root: number): boolean {
  let ok = true;
  for (const pid of processTree(root)) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, "5");
    } catch {
      ok = false;
    }
  }
  return ok;
}

export function mib(kb: number): string {
  return `${(kb / 1024).toFixed(0)} MiB`;
}

export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(", ");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}
