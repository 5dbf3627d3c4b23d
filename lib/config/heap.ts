/**
 * Memory settings the launcher gives the server and the worker processes (measured in bench/RESULTS.md,
 * export of 100,000 results):
 *
 * - V8 sizes its heap from the machine's memory (about 4 GiB of old space on a 24 GiB machine) and, with
 *   that much room, lets garbage pile up before collecting it: peak RSS 330–430 MiB. An explicit bound,
 *   even a generous one, makes it collect as it goes: `--max-old-space-size` = GANTRY_MAX_OLD_SPACE_MB
 *   (default 1024; 0 keeps Node's own sizing; a bound already in NODE_OPTIONS or on the command line wins).
 * - glibc's malloc raises its mmap threshold after the first large buffer is freed, so later multi-MiB
 *   buffers (upload parts, 64 KiB-chunk concatenations) come from heap arenas that are not given back:
 *   another 40–80 MiB of RSS. A fixed MALLOC_MMAP_THRESHOLD_ (128 KiB, unless the operator set one)
 *   keeps large buffers in their own mappings, returned to the system when freed.
 */
export const DEFAULT_MAX_OLD_SPACE_MB = 1024;
export const MMAP_THRESHOLD_BYTES = 128 * 1024;

export type MemorySettings = {
  /** The V8 flag to add, or null when none is needed. */
  heapFlag: string | null;
  /** Environment the process must be started with (empty when already in place). */
  env: Record<string, string>;
};

/** What a process started from `env` / `execArgv` lacks. Throws naming the variable when it is malformed. */
export function memorySettings(env: Record<string, string | undefined> = process.env, execArgv: string[] = process.execArgv): MemorySettings {
  const raw = env.GANTRY_MAX_OLD_SPACE_MB;
  const mb = raw === undefined || raw === "" ? DEFAULT_MAX_OLD_SPACE_MB : Number(raw);
  if (!Number.isInteger(mb) || (mb !== 0 && mb < 64)) {
    throw new Error("GANTRY_MAX_OLD_SPACE_MB must be 0 (Node's default heap sizing) or an integer >= 64 (MiB)");
  }
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)].some((a) => /^--max[-_]old[-_]space[-_]size\b/.test(a));
  return {
    heapFlag: mb === 0 || given ? null : `--max-old-space-size=${mb}`,
    env: env.MALLOC_MMAP_THRESHOLD_ ? {} : { MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) },
  };
}

/** True when the process must be restarted to take the settings (V8 and malloc read them at start-up). */
export function needsRestart(s: MemorySettings): boolean {
  return s.heapFlag !== null || Object.keys(s.env).length > 0;
}

/**
 * The environment to start a child process with the settings: NODE_OPTIONS carries the heap flag (it
 * reaches Node processes the child starts in turn) and malloc's variable is added. A process started
 * from it needs no restart (see the test).
 */
export function envWithMemorySettings(env: Record<string, string | undefined>, s: MemorySettings): Record<string, string | undefined> {
  return { ...env, ...s.env, ...(s.heapFlag ? { NODE_OPTIONS: `${env.NODE_OPTIONS ?? ""} ${s.heapFlag}`.trim() } : {}) };
}
