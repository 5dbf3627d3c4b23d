import type { ListPage, ListQuery, StorageProvider } from "./types";

/**
 * Listing read-ahead: when a page comes back with a cursor, the next provider page is requested at once
 * and kept for a short while, so the caller's next `list` for that cursor (the next browse request, the
 * import scan's next page) finds it ready or already on its way instead of paying the storage round trip
 * after its own per-page work (HTTP, auth, database).
 *
 * Bounded: at most MAX_ENTRIES pages are held in the whole process (about 1,000 objects each), each for
 * at most TTL_MS, and an entry is handed out once. Scoped to the provider's listScope (its connector and
 * the version of the connector's settings, set by the provider factory; else to the instance), so one
 * connector's pages are never served for another's, nor after its credentials change.
 * A stale page is at most TTL_MS older than a fresh listing would be; a failed read-ahead is dropped and
 * the caller lists normally (errors surface from the caller's own call).
 */
const TTL_MS = 15_000;
const MAX_ENTRIES = 32;
/**
 * Pages kept in flight ahead of the consumer. A provider cursor is only known once the page before it
 * has arrived, so a depth of 2 is a chain: while page k is answered, k+1 is on its way and, as soon as
 * it lands, k+2 is requested. The storage listing then runs back to back instead of waiting for each
 * client round trip (with depth 1, S3 browse paid the listing plus the request overhead per page).
 * A consumer that stops early wastes at most this many listings.
 */
const DEPTH = 2;

type Entry = { page: Promise<ListPage>; until: number; chain: boolean };
// On globalThis: Next.js bundles route handlers and instrumentation.ts (the inline worker) as separate module
// copies in one process; a page prefetched by the import-job POST is consumed by the worker's scan.
const g = globalThis as unknown as { __gantryReadAhead?: { pending: Map<string, Entry>; ids: WeakMap<StorageProvider, number>; nextId: number } };
const state = (g.__gantryReadAhead ??= { pending: new Map<string, Entry>(), ids: new WeakMap<StorageProvider, number>(), nextId: 1 });
const pending = state.pending;

/** Pages are shared between providers of one listScope (same connector and settings), else held for the instance. */
function keyOf(provider: StorageProvider, q: ListQuery): string {
  let scope: string | number | undefined = provider.listScope;
  if (scope === undefined) {
    scope = state.ids.get(provider);
    if (scope === undefined) state.ids.set(provider, (scope = state.nextId++));
  }
  return JSON.stringify([scope, q.prefix, q.delimiter ?? "", q.pageSize, q.cursor ?? ""]);
}

function sweep(now: number): void {
  for (const [k, e] of pending) if (e.until <= now) pending.delete(k);
  // Still full: drop the oldest (Map keeps insertion order).
  while (pending.size >= MAX_ENTRIES) pending.delete(pending.keys().next().value!);
}

/**
 * Makes sure the page of `q` is in flight, `depth` pages deep: with depth > 1, the page after it is
 * requested as soon as this one arrives (if it is still held by then, i.e. nobody abandoned the chain).
 */
function readAhead(provider: StorageProvider, q: ListQuery, depth: number): void {
  const key = keyOf(provider, q);
  const held = pending.get(key);
  if (held) {
    if (depth > 1 && !held.chain) {
      held.chain = true;
      void held.page.then((page) => continueChain(provider, q, key, page), () => undefined);
    }
    return;
  }
  sweep(Date.now());
  const page = provider.list(q);
  page.catch(() => undefined); // never an unhandled rejection; the consumer retries the listing itself
  const entry: Entry = { page, until: Date.now() + TTL_MS, chain: depth > 1 };
  pending.set(key, entry);
  if (entry.chain) void page.then((p) => continueChain(provider, q, key, p), () => undefined);
}

function continueChain(provider: StorageProvider, q: ListQuery, key: string, page: ListPage): void {
  if (!page.cursor || !pending.has(key)) return; // the last page, or dropped / already consumed
  readAhead(provider, { ...q, cursor: page.cursor }, DEPTH - 1);
}

/** Starts listing `q` (and the pages after it) now, for a `listWithReadAhead(provider, q)` to come. */
export function prefetchList(provider: StorageProvider, q: ListQuery): void {
  readAhead(provider, q, DEPTH);
}

/** `provider.list(q)`, served from a read-ahead when one is held, and keeping the next pages coming. */
export async function listWithReadAhead(provider: StorageProvider, q: ListQuery, now = Date.now()): Promise<ListPage> {
  const key = keyOf(provider, q);
  const held = pending.get(key);
  pending.delete(key);
  let page: ListPage | undefined;
  if (held && held.until > now) page = await held.page.catch(() => undefined);
  page ??= await provider.list(q);
  if (page.cursor) readAhead(provider, { ...q, cursor: page.cursor }, DEPTH);
  return page;
}
/** For tests: how many read-aheads are held. */
export function readAheadSize(): number {
  return pending.size;
}
