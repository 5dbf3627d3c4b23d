import { z } from "zod";
import { ApiError } from "./errors";

// Cursors are opaque to clients: base64url of "v1:<last id>". Ids are time-sortable, so "newest first"
// is "id descending" and the next page is "id < cursor".
export function encodeCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined | null): string | undefined {
  if (cursor == null || cursor === "") return undefined;
  const raw = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^v1:([a-z]+_[0-9a-z]{26})$/.exec(raw);
  if (!m) throw new ApiError("invalid_cursor", "The cursor is not valid for this list.");
  return m[1];
}

/** Query of the bare-array lists: limit 1–200 (default 50), optional cursor. */
export const ArrayListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
/** Query of the {data, pagination} lists: limit 1–100 (default 50). */
export const PageListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});

export type ListResult<T> = { items: T[]; nextCursor: string | null };

/**
 * Runs `fetch(take, beforeId)` for limit+1 rows (newest first) and splits off the next cursor.
 */
export async function pageByIdDesc<Row extends { id: string }>(
  limit: number,
  cursor: string | undefined,
  fetch: (take: number, beforeId: string | undefined) => Promise<Row[]>,
): Promise<ListResult<Row>> {
  const beforeId = decodeCursor(cursor);
  const rows = await fetch(limit + 1, beforeId);
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  return { items, nextCursor: hasMore ? encodeCursor(items[items.length - 1].id) : null };
}

export function pageBody<T>(data: T[], limit: number, nextCursor: string | null) {
  return { data, pagination: { limit, has_more: nextCursor !== null, next_cursor: nextCursor } };
}
