import { describe, expect, it } from "vitest";
import { listWithReadAhead, prefetchList, readAheadSize } from "@/lib/providers/read-ahead";
import type { ListQuery, StorageProvider } from "@/lib/providers/types";

/** A fake store of `pages` pages; counts list calls and can fail a given cursor once. */
function store(pages: number, failCursor?: string) {
  const calls: (string | undefined)[] = [];
  let failed = false;
  const provider = {
    provider: "local",
    async list(q: ListQuery) {
      calls.push(q.cursor);
      if (failCursor !== undefined && q.cursor === failCursor && !failed) {
        failed = true;
        throw new Error("transient");
      }
      const n = q.cursor ? Number(q.cursor) : 0;
      return { objects: [{ path: `${q.prefix}f${n}`, size: 1, lastModified: new Date(0), contentType: null, version: "1", etag: null }], prefixes: [], cursor: n + 1 < pages ? String(n + 1) : undefined };
    },
  } as unknown as StorageProvider;
  return { provider, calls };
}

const q = (cursor?: string): ListQuery => ({ prefix: "p/", pageSize: 1000, cursor });
const settle = () => new Promise((r) => setTimeout(r, 10));

describe("listing read-ahead", () => {
  it("serves the next page from the read-ahead: one provider call per page, none after the last", async () => {
    const { provider, calls } = store(4);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listWithReadAhead(provider, q(cursor));
      seen.push(...page.objects.map((o) => o.path));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(["p/f0", "p/f1", "p/f2", "p/f3"]);
    expect(calls).toEqual([undefined, "1", "2", "3"]);
  });

  it("prefetches a first page for the listing to come: the consumer's call is served from it", async () => {
    const { provider, calls } = store(3);
    prefetchList(provider, q());
    expect(calls).toEqual([undefined]); // requested at once
    const page = await listWithReadAhead(provider, q());
    expect(page.objects.map((o) => o.path)).toEqual(["p/f0"]);
    await settle();
    expect(calls).toEqual([undefined, "1", "2"]); // no second request for page 0; the chain goes on
  });

  it("keeps two pages in flight ahead of the consumer, never more (a chain: each cursor comes with its page)", async () => {
    const { provider, calls } = store(10);
    await listWithReadAhead(provider, q());
    await settle();
    expect(calls).toEqual([undefined, "1", "2"]); // the consumer is on page 0: pages 1 and 2 are ahead
    await listWithReadAhead(provider, q("1")); // served from the read-ahead, and page 3 joins the chain
    await settle();
    expect(calls).toEqual([undefined, "1", "2", "3"]);
    await listWithReadAhead(provider, q("2"));
    await settle();
    expect(calls).toEqual([undefined, "1", "2", "3", "4"]);
    // a consumer that stops here wastes at most two listings (3 and 4), and nothing runs further ahead
    await settle();
    expect(calls).toHaveLength(5);
  });

  it("hands a read-ahead out once, and never to another provider or prefix", async () => {
    const a = store(3);
    const b = store(3);
    await listWithReadAhead(a.provider, q());
    await settle();
    expect(a.calls).toEqual([undefined, "1", "2"]);
    await listWithReadAhead(b.provider, q("1")); // same cursor, other provider: its own call
    expect(b.calls[0]).toBe("1");
    await listWithReadAhead(a.provider, { ...q("1"), prefix: "other/" }); // other prefix: its own call
    expect(a.calls.filter((c) => c === "1")).toHaveLength(2);
    await listWithReadAhead(a.provider, q("1")); // served by the read-ahead
    expect(a.calls.filter((c) => c === "1")).toHaveLength(2);
  });

  it("shares pages between providers of one listScope (one connector built in two module copies), never across scopes", async () => {
    const a = store(3);
    const b = store(3);
    const c = store(3);
    a.provider.listScope = "conn_1:1700000000000:120";
    b.provider.listScope = "conn_1:1700000000000:120";
    c.provider.listScope = "conn_1:1700000000001:120"; // the connector's settings changed since
    prefetchList(a.provider, q());
    await settle();
    const page = await listWithReadAhead(b.provider, q()); // the page a prefetched
    expect(page.objects[0].path).toBe("p/f0");
    expect(a.calls.filter((x) => x === undefined)).toHaveLength(1);
    expect(b.calls).not.toContain(undefined); // b listed no first page of its own (only, later, the chain's next ones)
    await listWithReadAhead(c.provider, q("1")); // another scope: its own call, not a's held page 1
    expect(c.calls[0]).toBe("1");
  });

  it("a failed read-ahead is dropped and the caller lists again itself", async () => {
    const { provider, calls } = store(3, "1");
    await listWithReadAhead(provider, q());
    const page = await listWithReadAhead(provider, q("1"));
    expect(page.objects[0].path).toBe("p/f1");
    expect(calls.filter((c) => c === "1")).toHaveLength(2);
  });

  it("holds a bounded number of pages however many listings are started", async () => {
    for (let i = 0; i < 100; i++) await listWithReadAhead(store(5).provider, q());
    expect(readAheadSize()).toBeLessThanOrEqual(32);
  });
});
