import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_OLD_SPACE_MB, MMAP_THRESHOLD_BYTES, envWithMemorySettings, memorySettings, needsRestart } from "@/lib/config/heap";

describe("memorySettings (what the launcher gives the server and the worker)", () => {
  it("bounds the old space and fixes malloc's mmap threshold by default", () => {
    const m = memorySettings({}, []);
    expect(m.heapFlag).toBe(`--max-old-space-size=${DEFAULT_MAX_OLD_SPACE_MB}`);
    expect(m.env).toEqual({ MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) });
    expect(needsRestart(m)).toBe(true);
  });
  it("takes GANTRY_MAX_OLD_SPACE_MB, and 0 keeps Node's own sizing", () => {
    expect(memorySettings({ GANTRY_MAX_OLD_SPACE_MB: "256" }, []).heapFlag).toBe("--max-old-space-size=256");
    expect(memorySettings({ GANTRY_MAX_OLD_SPACE_MB: "0" }, []).heapFlag).toBeNull();
  });
  it("leaves settings already in place alone (no restart loop)", () => {
    expect(memorySettings({ NODE_OPTIONS: "--enable-source-maps --max-old-space-size=96" }, []).heapFlag).toBeNull();
    expect(memorySettings({ NODE_OPTIONS: "--max_old_space_size=96" }, []).heapFlag).toBeNull();
    expect(memorySettings({}, ["--max-old-space-size=2048"]).heapFlag).toBeNull();
    expect(memorySettings({ MALLOC_MMAP_THRESHOLD_: "65536" }, []).env).toEqual({});
    const restarted = memorySettings({ MALLOC_MMAP_THRESHOLD_: "131072" }, ["--max-old-space-size=1024"]);
    expect(needsRestart(restarted)).toBe(false);
  });
  it("a child started with envWithMemorySettings has them, keeps the caller's NODE_OPTIONS, and needs no restart", () => {
    const parent = { NODE_OPTIONS: "--enable-source-maps", GANTRY_MAX_OLD_SPACE_MB: "512" };
    const child = envWithMemorySettings(parent, memorySettings(parent, []));
    expect(child.NODE_OPTIONS).toBe("--enable-source-maps --max-old-space-size=512");
    expect(child.MALLOC_MMAP_THRESHOLD_).toBe(String(MMAP_THRESHOLD_BYTES));
    expect(needsRestart(memorySettings(child, []))).toBe(false);
  });
  it("rejects a malformed value, naming the variable", () => {
    for (const bad of ["lots", "12.5", "-1", "32"]) expect(() => memorySettings({ GANTRY_MAX_OLD_SPACE_MB: bad }, [])).toThrow(/GANTRY_MAX_OLD_SPACE_MB/);
  });
});
