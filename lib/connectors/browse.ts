import path from "node:path";
import picomatch from "picomatch";
import type { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { iso } from "@/lib/api/serialize";
import { findConnectorRow, providerForConnectorRow, type ConnectorRow } from "@/lib/providers/factory";
import { InvalidCursorError } from "@/lib/providers/errors";
import { listWithReadAhead } from "@/lib/providers/read-ahead";
import type { RemoteObject, StorageProvider } from "@/lib/providers/types";
import { assertConnectorUsable } from "./connectors";
import { extensionOf, mimeOf } from "@/lib/media/media-types";
import type { BrowseBody, BrowseEntry } from "./schemas";

type Entry = z.infer<typeof BrowseEntry>;

/** Objects examined per request at most: a sparse match over a huge bucket answers in bounded time, with a cursor. */
const MAX_SCANNED_PER_REQUEST = 50_000;
const PAGE_SIZE = 1000;

export type Matcher = { listPrefix: string; matches: (key: string) => boolean };

/**
 * The contract's glob rules: a pattern without "/" matches the base name; with "/" it matches the path
 * relative to `prefix`. Case-sensitive. The listing is narrowed by the literal directory part of a
 * "/" pattern (e.g. prefix "media/" + "2024/**\/*.mp4" lists only "media/2024/").
 */
export function buildMatcher(prefix: string, pattern: string): Matcher {
  const isMatch = picomatch(pattern, { dot: true, nocase: false, strictSlashes: true });
  if (!pattern.includes("/")) {
    return { listPrefix: prefix, matches: (key) => isMatch(path.posix.basename(key)) };
  }
  const scan = picomatch.scan(pattern);
  // `base` is the literal leading directory part ("2024/raw" of "2024/raw/*.mp4").
  const literalDir = scan.isGlob ? scan.base : path.posix.dirname(pattern);
  const narrowed = literalDir && literalDir !== "." ? `${prefix}${literalDir}/` : prefix;
  return { listPrefix: narrowed, matches: (key) => key.startsWith(prefix) && isMatch(key.slice(prefix.length)) };
}

export function toBrowseEntry(o: RemoteObject): Entry {
  return {
    path: o.path,
    name: path.posix.basename(o.path),
    size_bytes: o.size,
    last_modified: iso(o.lastModified),
    content_type: o.contentType ?? mimeOf(o.path),
    extension: extensionOf(o.path),
    etag: o.etag,
  };
}

type BrowseCursor = { c?: string; s: number; lp: string };

function encode(c: BrowseCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}
function decode(raw: string | undefined, listPrefix: string): BrowseCursor {
  if (!raw) return { s: 0, lp: listPrefix };
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as BrowseCursor;
    if (typeof c.s !== "number" || c.lp !== listPrefix || (c.c !== undefined && typeof c.c !== "string")) throw new Error();
    return c;
  } catch {
    throw new ApiError("invalid_cursor", "The cursor does not belong to this browse request.");
  }
}

/**
 * Streams the listing one provider page at a time (constant memory), filtering as it goes. The cursor
 * is the provider page it stopped in plus how many entries of that page were consumed.
 */
export async function browseMatching(
  provider: StorageProvider,
  q: { prefix: string; pattern: string; recursive: boolean; limit: number; cursor?: string; includeFolders?: boolean },
): Promise<{ entries: Entry[]; nextCursor: string | null }> {
  const matcher = buildMatcher(q.prefix, q.pattern);
  let state = decode(q.cursor, matcher.listPrefix);
  const entries: Entry[] = [];
  let scanned = 0;
  for (;;) {
    let page;
    try {
      // The next provider page is read ahead while this answer travels: the client's next request
      // (or this loop's next turn) then finds it ready.
      page = await listWithReadAhead(provider, { prefix: matcher.listPrefix, delimiter: q.recursive ? undefined : "/", cursor: state.c, pageSize: PAGE_SIZE });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiError("invalid_cursor", "The cursor does not belong to this browse request.");
      throw err;
    }
    // The page's entries in order: its folders (when asked for), then its objects; positions index that
    // sequence (the cursor's `s`). No combined array: this runs for every object of every browse.
    const folders = q.includeFolders ? page.prefixes : [];
    const count = folders.length + page.objects.length;
    for (let i = state.s; i < count; i++) {
      scanned++;
      if (i < folders.length) {
        const p = folders[i];
        entries.push({ path: p, name: path.posix.basename(p), size_bytes: 0, last_modified: null, content_type: null, extension: null, etag: null, type: "folder" });
      } else {
        const o = page.objects[i - folders.length];
        if (!o.path.endsWith("/") && matcher.matches(o.path)) entries.push(q.includeFolders ? { ...toBrowseEntry(o), type: "file" } : toBrowseEntry(o));
      }
      if (entries.length >= q.limit || scanned >= MAX_SCANNED_PER_REQUEST) {
        const more = i + 1 < count || !!page.cursor;
        const next: BrowseCursor = i + 1 < count ? { c: state.c, s: i + 1, lp: matcher.listPrefix } : { c: page.cursor, s: 0, lp: matcher.listPrefix };
        return { entries, nextCursor: more ? encode(next) : null };
      }
    }
    if (!page.cursor) return { entries, nextCursor: null };
    // End the answer at a provider page boundary when the next provider page could overflow it: the
    // cursor then points at a fresh page instead of the middle of one, so a store that returns short
    // pages (Ceph: 971 keys) does not make every later request list two pages.
    if (entries.length > 0 && entries.length + PAGE_SIZE > q.limit) {
      return { entries, nextCursor: encode({ c: page.cursor, s: 0, lp: matcher.listPrefix }) };
    }
    state = { c: page.cursor, s: 0, lp: matcher.listPrefix };
  }
}

/**
 * `preloaded`: the connector row read by id while the request was being authenticated (the route's
 * preload); used only when it belongs to `workspaceId`.
 */
export async function browseConnector(workspaceId: string, connectorId: string, body: z.infer<typeof BrowseBody>, preloaded?: ConnectorRow | null) {
  if (body.prefix.startsWith("/")) throw ApiError.validation([{ field: "prefix", message: "must not start with '/'" }]);
  // One read of the connector serves both the checks and the provider (a browse is a hot path).
  const row = preloaded === undefined ? await findConnectorRow(workspaceId, connectorId) : preloaded;
  const connector = row && row.id === connectorId && row.workspaceId === workspaceId ? row : null;
  if (!connector) throw ApiError.notFound("connector_not_found", "connector", connectorId);
  assertConnectorUsable(connector);
  const provider = await providerForConnectorRow(connector);
  return browseMatching(provider, { ...body, includeFolders: body.include_folders });
}
