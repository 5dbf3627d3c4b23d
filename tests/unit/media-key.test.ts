// Where an imported file lands in the media store (lib/imports/import-file.ts mediaKeyOf), the local
// store's small-file write (its directory made only when missing), and which small files go to a copy thread together.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ImportItem } from "@/lib/generated/prisma/client";
import { mediaKeyOf, safeName, THREAD_BATCH_BYTES, threadBatchOf } from "@/lib/imports/import-file";
import { parseMediaStore } from "@/lib/media/store";

const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-media-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("media keys of imported files", () => {
  const job = { workspaceId: "ws_a", indexId: "idx_b", id: "job_c" };

  it("one directory per job; the item id makes the name unique, the file's own name stays readable", () => {
    expect(mediaKeyOf(job, { id: "item_1", path: "footage/day 2/clip.mp4" })).toBe("ws_a/idx_b/job_c/item_1-clip.mp4");
    expect(mediaKeyOf(job, { id: "item_2", path: "a\\b\u0001c.mov" })).toBe("ws_a/idx_b/job_c/item_2-a_b_c.mov");
    expect(mediaKeyOf(job, { id: "item_3", path: "dir/" })).toBe("ws_a/idx_b/job_c/item_3-dir");
  });

  it("cuts long names to 200 bytes from the front (multi-byte characters whole, the extension kept)", () => {
    const name = `${"世界".repeat(150)}.mp4`; // 904 bytes
    const safe = safeName(`x/${name}`);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(safe)).toBeGreaterThan(195);
    expect(safe.endsWith("世界.mp4")).toBe(true);
    expect(name.endsWith(safe)).toBe(true);
    expect(safeName("")).toBe("file");
  });

  it("writes small files into a directory made on the first write of the job, then reused", async () => {
    const store = parseMediaStore(`file:${dir}/media`, dir);
    const a = mediaKeyOf(job, { id: "item_1", path: "a.mp4" });
    const b = mediaKeyOf(job, { id: "item_2", path: `${"世界".repeat(150)}.mp4` });
    await store.writeLocalFile!(a, Buffer.from("first"));
    await store.writeLocalFile!(b, Buffer.from("second"));
    await store.writeLocalFile!(a, Buffer.from("again")); // a retry overwrites
    expect(readFileSync(path.join(dir, "media", ...a.split("/")), "utf8")).toBe("again");
    expect(readFileSync(path.join(dir, "media", ...b.split("/")), "utf8")).toBe("second");
  });
});

describe("which files of a batch a copy thread fetches together", () => {
  const item = (id: string, size: number) => ({ id, sizeBytes: BigInt(size) }) as unknown as ImportItem;
  const MiB = 1024 * 1024;

  it("the small ones (≤ 1 MiB), in order, while their bytes add up to the batch budget; the rest go one by one", () => {
    const items = [item("a", 20_000), item("b", MiB + 1), item("c", MiB), item("d", 3 * MiB), item("e", 500_000), item("f", 30)];
    expect(threadBatchOf(items, 2 * MiB).map((i) => i.id)).toEqual(["a", "c", "e", "f"]);
    expect(threadBatchOf(items, MiB).map((i) => i.id)).toEqual(["a", "e", "f"]);
    expect(threadBatchOf(items).map((i) => i.id)).toEqual(["a", "c", "e", "f"]);
  });

  it("keeps a full claim (128 files) of 1 MiB each within the default budget (4 MiB)", () => {
    const many = Array.from({ length: 128 }, (_, i) => item(`f${i}`, MiB));
    expect(threadBatchOf(many)).toHaveLength(THREAD_BATCH_BYTES / MiB);
    expect(THREAD_BATCH_BYTES).toBe(4 * MiB);
  });
});

describe("source keys (the new_only dedupe key)", () => {
  it("are the sha256 of index, connector, version and path, one per line: the same value however it is computed", async () => {
    const { createHash } = await import("node:crypto");
    const { sourceKeyOf } = await import("@/lib/imports/classify");
    const cases: [string, string, string, string][] = [["idx_1", "conn_1", "a/b.mp4", ""], ["idx_1", "conn_1", "a/b.mp4", "v2"], ["i", "c", "Hello, 世界/\n'\"\\.mov", "v\n1"]];
    for (const [i, c, p, v] of cases) expect(sourceKeyOf(i, c, p, v)).toBe(createHash("sha256").update(`${i}\n${c}\n${v}\n${p}`).digest("hex"));
    expect(sourceKeyOf("idx_1", "conn_1", "a/b.mp4", "")).toBe("ef94fdae4048e4b8a99d5b3a82746f78d6c4db724e053fd0b792259b6493a61a"); // stored in videos.source_key: must never change
  });
});
