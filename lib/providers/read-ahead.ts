import type { ListPage, ListQuery, StorageProvider } from "./types";

/**
 * Listing read-ahead: when a page comes back with a cursor, the next provider page is requested at once
 * and kept for a short while, so the caller's next `list` for that cursor (the next browse request, the
 * import scan's next page) finds it ready or already on its way instead of paying the storage round trip
 * after its own per-page work (HTTP, auth, database).
 *
 * Bounded: at most MAX_ENTRIES pages are held in the whole process (about 1,000 objects each), each for
 * at most TTL_MS, and an entry is handed out once. Scoped to the provider instance (the provider cache
 * builds one per connector and credentials), so one connector's pages are never served for another's.
 * A stale page is at most TTL_MS older than a fresh listing would be; a failed read-ahead is dropped and
 * the caller lists normally (errors surface from the caller's own call).
 */
const TTL_MS = 15_000;
const MAX_ENTRIES = 32;

type Entry = { page: Promise<ListPage>; until: number };
const pending = new Map<string, Entry>();
const ids = new WeakMap<StorageProvider, number>();
let nextId = 1;

function keyOf(provider: StorageProvider, q: ListQuery): string {
  let id = ids.get(provider);
  if (id === undefined) ids.set(provider, (id = nextId++));
  return JSON.stringify([id, q.prefix, q.delimiter ?? "", q.pageSize, q.cursor ?? ""]);
}

function sweep(now: number): void {
  for (const [k, e] of pending) if (e.until <= now) pending.delete(k);
  // Still full: drop the oldest (Map keeps insertion order).
  while (pending.size >= MAX_ENTRIES) pending.delete(pending.keys().next().value!);
}

/** `provider.list(q)`, served from a read-ahead when one is held, and starting the next page's. */
export async function listWithReadAhead(provider: StorageProvider, q: ListQuery, now = Date.now()): Promise<ListPage> {
  const key = keyOf(provider, q);
  const held = pending.get(key);
  pending.delete(key);
  let page: ListPage | undefined;
  if (held && held.until > now) page = await held.page.catch(() => undefined);
  page ??= await provider.list(q);
  if (page.cursor) {
    const next = { ...q, cursor: page.cursor };
    sweep(Date.now());
    const p = provider.list(next);
    p.catch(() => undefined); // never an unhandled rejection; the consumer retries the listing itself
    pending.set(keyOf(provider, next), { page: p, until: Date.now() + TTL_MS });
  }
  return page;
}

/** For tests: how many read-aheads are held. */
export function readAheadSize(): number {
  return pending.size;
}
