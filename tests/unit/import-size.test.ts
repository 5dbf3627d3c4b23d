// Each imported file's size is checked against the listing, on the small-file path (bytes in memory) and
// on the streaming path alike: a file that changed between listing and copy fails, and leaves nothing
// behind in the media store or its scratch directory.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ImportItem, ImportJob } from "@/lib/generated/prisma/client";
import { importFile } from "@/lib/imports/import-file";
import { parseMediaStore } from "@/lib/media/store";
import { createStorageProvider } from "@/lib/providers";

const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-import-size-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
}

describe("size check against the listing", () => {
  const sourceRoot = path.join(dir, "source");
  const source = createStorageProvider({ provider: "local", root: sourceRoot });
  const storeRoot = path.join(dir, "media");
  const store = parseMediaStore(`file:${storeRoot}`, dir);
  const job = { id: "job_size", workspaceId: "ws_size", indexId: "idx_size", connectorId: "conn_size", importMode: "all" } as ImportJob;
  const item = (p: string, listed: number) =>
    ({ id: `item_${p.replace(/\W/g, "")}`, jobId: job.id, path: p, version: "v1", etag: "e1", sizeBytes: BigInt(listed), status: "importing", reason: null, videoId: null, attempts: 1 }) as ImportItem;

  it.each([
    ["small file, fewer bytes than listed (in-memory path)", "a.mp4", 10, 64],
    ["small file, more bytes than listed (in-memory path)", "b.mp4", 100, 64],
    ["listed small, far larger on storage (reading stops past 2 MiB)", "c.mp4", 3 * 1024 * 1024, 64],
    ["large file, fewer bytes than listed (streaming path)", "d.mp4", 10, 4 * 1024 * 1024],
  ])("%s: failed with a size mismatch, nothing stored", async (_name, p, actual, listed) => {
    mkdirSync(sourceRoot, { recursive: true });
    writeFileSync(path.join(sourceRoot, p), Buffer.alloc(actual, 7));
    const outcome = await importFile(job, item(p, listed), source, store, async () => {});
    expect(outcome.status).toBe("failed");
    expect(outcome.status === "failed" && outcome.error).toMatch(new RegExp(`size mismatch: the listing said ${listed} bytes, \\d+ were read`));
    expect(filesUnder(storeRoot)).toEqual([]); // no media, no scratch file left
  });
});
