import * as crypto from "node:crypto";
import { sql, sqlTransaction, type SqlQuery } from "@/lib/db";
import { chunkByBytes } from "@/lib/db/batches";
import { newId } from "@/lib/ids";
import { mediaTypeOf } from "@/lib/media/media-types";
import type { RemoteObject } from "@/lib/providers/types";
import { ACTIVE_IMPORT_STATUSES_SQL } from "./statuses";
import { importSettings } from "./settings";

export type SkipReason = "already_imported" | "unsupported_media_type" | "empty_file" | "too_large";

/** The identity new_only deduplicates on: (index, connector, path, version). */
export function sourceKeyOf(indexId: string, connectorId: string, path: string, version: string): string {
  return sha256Hex(`${indexId}\n${connectorId}\n${version}\n${path}`);
}

/** crypto.hash (Node >= 20.12) where there is one: half the CPU of createHash().update().digest(), once per listed file. */
const sha256Hex: (s: string) => string =
  typeof crypto.hash === "function" ? (s) => crypto.hash("sha256", s, "hex") : (s) => crypto.createHash("sha256").update(s).digest("hex");

/** The reasons a file is skipped that need nothing but its listing entry, in order of precedence. */
function listingSkipReason(file: RemoteObject): SkipReason | null {
  if (!mediaTypeOf(file.path)) return "unsupported_media_type";
  if (file.size === 0) return "empty_file";
  if (file.size > importSettings.maxFileBytes) return "too_large";
  return null;
}

/** Decides, per listed file, whether it is imported or skipped (and why). Batched: one query per page. */
export async function classifyFiles(
  job: { indexId: string; connectorId: string; importMode: string },
  files: RemoteObject[],
): Promise<{ file: RemoteObject; skip: SkipReason | null }[]> {
  const listed = files.map((file) => ({ file, skip: listingSkipReason(file) }));
  if (job.importMode !== "new_only") return listed;
  const keyed = listed.filter((c) => !c.skip).map((c) => ({ c, key: sourceKeyOf(job.indexId, job.connectorId, c.file.path, c.file.version) }));
  if (!keyed.length) return listed;
  const rows = await sql<{ source_key: string }>("SELECT source_key FROM videos WHERE source_key = ANY($1::text[])", [keyed.map((k) => k.key)]);
  const existing = new Set(rows.map((r) => r.source_key));
  for (const k of keyed) if (existing.has(k.key)) k.c.skip = "already_imported";
  return listed;
}

/**
 * Records one listing page as the job's items, classified in the same statement: the listing-only
 * reasons come from here, `already_imported` (new_only) from a probe of the videos' unique source key.
 * A page is one statement (chunkByBytes: up to 1 MiB) instead of a lookup plus inserts. ON CONFLICT DO
 * NOTHING: files recorded again after a crash add nothing twice (here a skipped file is an import_items
 * row, under its unique index: an automation's files have no listing checkpoint to record them
 * exactly once, see recordListedPage); a job no longer active (or deleted) gets nothing. With
 * recordListedPage the only writer of import_items and import_skips rows (they have no foreign key: see
 * prisma/schema.prisma). Returns how many files it added for import.
 */
export async function recordListedFiles(
  job: { id: string; indexId: string; connectorId: string; importMode: string },
  files: RemoteObject[],
  q: SqlQuery = sql,
): Promise<number> {
  return (await runStatements(fileStatements(job, [...chunkByBytes(files, sizeOfListed)]), q)).pending;
}

/** Array-literal bytes of a listed file: each value quoted and escaped (a path of quotes/backslashes can double). */
const sizeOfListed = (f: RemoteObject) => 2 * (Buffer.byteLength(f.path) + Buffer.byteLength(f.version) + Buffer.byteLength(f.etag ?? "")) + 150;

/**
 * Where a scan's page sits in the listing: `from`, the cursor it was listed at (null: the listing's
 * start), and `cursor`, the next page's (null: the listing is done).
 */
export type ListingCheckpoint = { from: string | null; cursor: string | null };

/**
 * A scan's page: its files recorded and the job's listing checkpoint moved past it, atomically and
 * exactly once. A compare-and-set on the checkpoint (the job's cursor still `from`) makes a page listed
 * twice (a scan step that outlived its lease and its successor) record nothing the second time, so
 * skipped files go to import_skips, which has no unique index to catch a duplicate (see
 * prisma/schema.prisma). A page that fits one statement (the usual 1,000 files) is one statement with
 * the checkpoint inside it (no BEGIN, UPDATE, COMMIT round trips), a larger one a transaction. The last
 * page (no next cursor) marks the listing done and a scanning job importing.
 * `active`: the job was still active and at this checkpoint (it moved); false: the scan stops, or goes on
 * from the job's checkpoint when another step moved it (lib/imports/jobs.ts).
 */
export async function recordListedPage(
  job: { id: string; indexId: string; connectorId: string; importMode: string },
  files: RemoteObject[],
  checkpoint: ListingCheckpoint,
): Promise<{ added: number; active: boolean }> {
  return prepareListedPage(job, files, checkpoint)();
}

/**
 * recordListedPage in two steps: the page's statements are built now (item ids, source keys, arrays:
 * 2–6 ms of CPU per 1,000 files) and sent when the returned function is called, so a scan can build
 * its next page while the database is still recording the previous one.
 */
export function prepareListedPage(
  job: { id: string; indexId: string; connectorId: string; importMode: string },
  files: RemoteObject[],
  checkpoint: ListingCheckpoint,
): () => Promise<{ added: number; active: boolean }> {
  // An empty page is one statement too (no rows, the checkpoint). Every chunk carries the compare-and-set
  // and its skipped files' count; the last one moves the checkpoint.
  const chunks = [...chunkByBytes(files, sizeOfListed)];
  if (chunks.length === 0) chunks.push([]);
  const statements = fileStatements(job, chunks, checkpoint);
  return async () => {
    const r = statements.length === 1 ? await runStatements(statements, sql) : await sqlTransaction((q) => runStatements(statements, q));
    return { added: r.pending, active: r.active };
  };
}

type Statement = { text: string; params: unknown[] };

/** Runs a page's statements in order: files added for import (all), whether the job took the page (the last). */
async function runStatements(statements: Statement[], q: SqlQuery): Promise<{ pending: number; active: boolean }> {
  let pending = 0;
  let active = false;
  for (const { text, params } of statements) {
    const [row] = await q<{ pending: number; active: boolean }>(text, params, { prepare: true });
    pending += row?.pending ?? 0;
    active = row?.active ?? false;
  }
  return { pending, active };
}

/** The statements recording files, one per chunk; with a checkpoint, a scan's page (recordListedPage). */
function fileStatements(
  job: { id: string; indexId: string; connectorId: string; importMode: string },
  chunks: RemoteObject[][],
  page?: ListingCheckpoint,
): Statement[] {
  const dedupe = job.importMode === "new_only";
  return chunks.map((batch, n) => {
    const last = !!page && n === chunks.length - 1;
    // With a checkpoint the job's row counts the page's skipped files (listing_skipped, see
    // lib/imports/progress.ts) in this statement, and the last chunk moves the checkpoint.
    const reasons = batch.map(listingSkipReason);
    return {
      // The job's row is locked once for the statement. Without a checkpoint FOR KEY SHARE (what a
      // foreign key would take for every row): the job cannot be deleted before this commits, and its
      // items go with it after. With one FOR NO KEY UPDATE (what the checkpoint's UPDATE takes anyway):
      // a second scan of the same page waits here, then finds the checkpoint moved and records nothing.
      text: `WITH job AS (
         SELECT 1 FROM import_jobs j WHERE j.id = $1 AND j.status IN (${ACTIVE_IMPORT_STATUSES_SQL})${
           page ? " AND NOT j.listing_done AND j.listing_cursor IS NOT DISTINCT FROM $9 FOR NO KEY UPDATE" : " FOR KEY SHARE"}),
       t AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[])
           AS t(id, path, version, etag, size_bytes, reason, source_key)),
       c AS (
         SELECT t.*, CASE WHEN t.reason IS NULL AND d.hit THEN 'already_imported' ELSE t.reason END AS why
         FROM t
         -- A lateral probe per file, so the lookup is one unique-index search each: as a plain EXISTS
         -- the planner hashed the whole videos table for every statement (O(videos) per batch).
         LEFT JOIN LATERAL (
           SELECT true AS hit FROM videos v WHERE t.source_key IS NOT NULL AND v.source_key = t.source_key LIMIT 1) d ON true
         -- A job cancelled (or failed, or deleted, or past this page) meanwhile gets no more items.
         WHERE EXISTS (SELECT 1 FROM job)),
       ins AS (
         INSERT INTO import_items (id, job_id, path, version, etag, size_bytes, status, reason, updated_at)
         SELECT c.id, $1, c.path, c.version, c.etag, c.size_bytes, CASE WHEN c.why IS NULL THEN 'pending' ELSE 'skipped' END, c.why, now()
         FROM c${page ? " WHERE c.why IS NULL" : ""}
         ON CONFLICT DO NOTHING
         RETURNING status)${
       page
         ? `,
       skip AS (
         INSERT INTO import_skips (job_id, id, path, version, size_bytes, reason)
         SELECT $1, c.id, c.path, c.version, c.size_bytes, c.why FROM c WHERE c.why IS NOT NULL),
       ck AS (
         UPDATE import_jobs SET listing_skipped = listing_skipped + (SELECT count(*) FROM c WHERE c.why IS NOT NULL)::int${
           last
             ? `, listing_cursor = $10, listing_done = $10::text IS NULL, updated_at = now(),
           status = CASE WHEN $10::text IS NULL AND status = 'scanning' THEN 'importing' ELSE status END`
             : ""}
         WHERE id = $1 AND EXISTS (SELECT 1 FROM job) RETURNING 1)`
         : ""}
       SELECT (count(*) FILTER (WHERE status = 'pending'))::int AS pending, ${last ? "EXISTS (SELECT 1 FROM ck)" : "false"} AS active FROM ins`,
      params: [
        job.id,
        batch.map(() => newId("item")), batch.map((f) => f.path), batch.map((f) => f.version), batch.map((f) => f.etag),
        batch.map((f) => String(f.size)), reasons,
        // new_only: the source key of each file a video could already hold (sha256 here: the embedded
        // database's wasm sha256 took a fifth of a page's statement).
        batch.map((f, i) => (dedupe && reasons[i] === null ? sourceKeyOf(job.indexId, job.connectorId, f.path, f.version) : null)),
        ...(page ? [page.from] : []),
        ...(last ? [page!.cursor] : []),
      ],
    };
  });
}
