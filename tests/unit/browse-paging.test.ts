import { describe, expect, it } from "vitest";
import { browseMatching } from "@/lib/connectors/browse";
import type { ListQuery, RemoteObject, StorageProvider } from "@/lib/providers/types";

/** A fake store that answers short pages, as Ceph's S3 sometimes does, and counts list calls. */
function shortPageStore(total: number, pageSizes: number[]) {
  const keys = Array.from({ length: total }, (_, i) => `p/f-${String(i).padStart(6, "0")}.mp4`);
  let calls = 0;
  const provider = {
    provider: "local",
    async list(q: ListQuery) {
      calls++;
      const start = q.cursor ? Number(q.cursor) : 0;
      const size = Math.min(pageSizes[calls % pageSizes.length], q.pageSize);
      const objects: RemoteObject[] = keys.slice(start, start + size).map((path) => ({ path, size: 1, lastModified: new Date(0), contentType: null, version: "1", etag: null }));
      const next = start + size;
      return { objects, prefixes: [], cursor: next < keys.length ? String(next) : undefined };
    },
  } as unknown as StorageProvider;
  return { provider, calls: () => calls };
}

describe("browse paging over a store with short pages", () => {
  it("lists every object once, in order, with one provider call per API page", async () => {
    const { provider, calls } = shortPageStore(10_000, [971, 1000, 984]);
    const seen: string[] = [];
    let cursor: string | undefined;
    let requests = 0;
    do {
      const r = await browseMatching(provider, { prefix: "p/", pattern: "*", recursive: true, limit: 1000, cursor });
      expect(r.entries.length).toBeLessThanOrEqual(1000);
      seen.push(...r.entries.map((e) => e.path));
      cursor = r.nextCursor ?? undefined;
      requests++;
    } while (cursor && requests < 50);
    expect(seen).toHaveLength(10_000);
    expect(new Set(seen).size).toBe(10_000);
    expect([...seen].sort()).toEqual(seen);
    expect(calls()).toBe(requests);
  });

  it("still fills large pages across provider pages", async () => {
    const { provider, calls } = shortPageStore(5_000, [1000]);
    const r = await browseMatching(provider, { prefix: "p/", pattern: "*", recursive: true, limit: 10_000 });
    expect(r.entries).toHaveLength(5_000);
    expect(r.nextCursor).toBeNull();
    expect(calls()).toBe(5);
  });
});
