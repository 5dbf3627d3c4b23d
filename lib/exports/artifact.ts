import { Readable } from "node:stream";
import { db } from "@/lib/db";
import { iso } from "@/lib/api/serialize";
import type { PromptRun, PromptRunSegment, PromptRunVideo, Video } from "@/lib/generated/prisma/client";
import type { ExportFormat } from "./schemas";

// The export artifact, produced as a stream: the database is read in keyset-paginated pages (runs,
// then each run's per-video results, then their segments in (result, ordinal) order), and the output is
// handed on in ~64 KiB chunks, so memory stays bounded whatever the number of segments.

export const FINISHED_RUN_STATUSES = ["completed", "completed_with_failures"] as const;
const RESULT_PAGE = 100;
const SEGMENT_PAGE = 1000;
const CHUNK_BYTES = 64 * 1024;

export type ArtifactSpec = {
  exportId: string;
  workspaceId: string;
  indexId: string;
  format: ExportFormat;
  /** The chosen runs, or null for every finished run of the index created before `createdBefore`. */
  runIds: string[] | null;
  createdBefore: Date;
};

export class ExportTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The export is larger than the ${limit}-byte limit (GANTRY_EXPORT_MAX_BYTES); export fewer runs or raise the limit.`);
    this.name = "ExportTooLargeError";
  }
}

export type ArtifactStats = { bytes: number; videos: number; segments: number };

type Entry = { run: PromptRun; result: PromptRunVideo; video: Video | null };
type WalkEvent = { kind: "entry"; entry: Entry } | { kind: "segment"; entry: Entry; segment: PromptRunSegment } | { kind: "end"; entry: Entry };

/** The runs an export covers, oldest first, one page at a time (tenancy inside the query). */
export async function* artifactRuns(spec: ArtifactSpec): AsyncGenerator<PromptRun> {
  let after: string | undefined;
  for (;;) {
    const runs = await db.promptRun.findMany({
      where: {
        workspaceId: spec.workspaceId,
        indexId: spec.indexId,
        ...(spec.runIds ? { id: { in: spec.runIds } } : { status: { in: [...FINISHED_RUN_STATUSES] }, createdAt: { lte: spec.createdBefore } }),
        ...(after ? { id: { gt: after } } : {}),
      },
      orderBy: { id: "asc" },
      take: 100,
    });
    for (const r of runs) yield r;
    if (runs.length < 100) return;
    after = runs[runs.length - 1].id;
  }
}

/** Every (run, video result) with its segments, in a stable order, reading pages of bounded size. */
async function* walk(spec: ArtifactSpec): AsyncGenerator<WalkEvent> {
  for await (const run of artifactRuns(spec)) {
    let afterResult: string | undefined;
    for (;;) {
      const results = await db.promptRunVideo.findMany({
        where: { runId: run.id, ...(afterResult ? { id: { gt: afterResult } } : {}) },
        orderBy: { id: "asc" },
        take: RESULT_PAGE,
      });
      if (results.length === 0) break;
      afterResult = results[results.length - 1].id;
      // A video may have been deleted since the run: its entry keeps what the result has, nulls elsewhere.
      const videos = await db.video.findMany({ where: { workspaceId: spec.workspaceId, id: { in: results.map((r) => r.videoId) } } });
      const byId = new Map(videos.map((v) => [v.id, v]));
      const entries = results.map((result) => ({ run, result, video: byId.get(result.videoId) ?? null }));
      const segments = segmentsOf(results.map((r) => r.id));
      let pending = await segments.next();
      for (const entry of entries) {
        yield { kind: "entry", entry };
        while (!pending.done && pending.value.resultId === entry.result.id) {
          yield { kind: "segment", entry, segment: pending.value };
          pending = await segments.next();
        }
        yield { kind: "end", entry };
      }
      if (results.length < RESULT_PAGE) break;
    }
  }
}

/** Segments of a page of results, ordered by (result id, ordinal), fetched SEGMENT_PAGE at a time. */
async function* segmentsOf(resultIds: string[]): AsyncGenerator<PromptRunSegment> {
  const sorted = [...resultIds].sort();
  let cursor: { resultId: string; ordinal: number } | undefined;
  for (;;) {
    const rows = await db.promptRunSegment.findMany({
      where: {
        resultId: { in: sorted },
        ...(cursor ? { OR: [{ resultId: { gt: cursor.resultId } }, { resultId: cursor.resultId, ordinal: { gt: cursor.ordinal } }] } : {}),
      },
      orderBy: [{ resultId: "asc" }, { ordinal: "asc" }],
      take: SEGMENT_PAGE,
    });
    for (const s of rows) yield s;
    if (rows.length < SEGMENT_PAGE) return;
    const last = rows[rows.length - 1];
    cursor = { resultId: last.resultId, ordinal: last.ordinal };
  }
}

// ---------------------------------------------------------------------------------------------------
// Shapes

function runObject(r: PromptRun) {
  return {
    run_id: r.id, prompt_id: r.promptId, status: r.status, processing_model: r.processingModel, engine: r.engine,
    segment_duration: r.segmentDuration, video_count: r.videoCount, completed_videos: r.completedVideos, failed_videos: r.failedVideos,
    created_at: iso(r.createdAt), completed_at: iso(r.completedAt),
  };
}

/** One entry's fields without its segments (identity, source, media facts, video-level result). */
function entryObject({ run, result, video }: Entry) {
  return {
    prompt_run_id: run.id,
    video_id: result.videoId,
    video_deleted: video === null,
    title: video?.title ?? null,
    video_uri: video?.videoUri ?? null,
    media_type: video?.mediaType ?? null,
    duration_seconds: video?.durationSeconds ?? null,
    size_bytes: video ? Number(video.sizeBytes) : null,
    content_type: video?.contentType ?? null,
    checksum_sha256: video?.checksumSha256 ?? null,
    source: {
      connector_id: video?.sourceConnectorId ?? null, path: video?.sourcePath ?? null, etag: video?.sourceEtag ?? null,
      import_job_id: video?.importJobId ?? null,
    },
    media: (video?.metadata as unknown) ?? null,
    result_status: result.status,
    engine: result.engine,
    error: result.error,
    completed_at: iso(result.completedAt),
    video_result: (result.videoResult as unknown) ?? null,
  };
}

function segmentObject(s: PromptRunSegment) {
  return {
    segment_id: s.id, ordinal: s.ordinal, start_seconds: s.startSeconds, end_seconds: s.endSeconds, status: s.status,
    data: (s.data as unknown) ?? null, error: s.error,
  };
}

// ---------------------------------------------------------------------------------------------------
// Formats

/** json: one document; jsonl: one line per (run, video) entry with its segments inline. */
async function* jsonText(spec: ArtifactSpec, stats: ArtifactStats): AsyncGenerator<string> {
  const lines = spec.format === "jsonl";
  if (!lines) {
    const head = JSON.stringify({ export_id: spec.exportId, format: "json", index_id: spec.indexId, generated_at: iso(new Date()) });
    yield `${head.slice(0, -1)},"prompt_runs":[`;
    let first = true;
    for await (const run of artifactRuns(spec)) {
      yield (first ? "" : ",") + JSON.stringify(runObject(run));
      first = false;
    }
    yield `],"results":[`;
  }
  let firstEntry = true;
  let firstSegment = true;
  for await (const ev of walk(spec)) {
    if (ev.kind === "entry") {
      const o = JSON.stringify({ ...entryObject(ev.entry), prompt_run: lines ? runObject(ev.entry.run) : undefined });
      yield (lines || firstEntry ? "" : ",") + o.slice(0, -1) + `,"segments":[`;
      firstEntry = false;
      firstSegment = true;
      stats.videos++;
    } else if (ev.kind === "segment") {
      yield (firstSegment ? "" : ",") + JSON.stringify(segmentObject(ev.segment));
      firstSegment = false;
      stats.segments++;
    } else {
      yield lines ? "]}\n" : "]}";
    }
  }
  if (!lines) yield "]}\n";
}

const CSV_FIXED = [
  "prompt_run_id", "video_id", "video_deleted", "title", "video_uri", "media_type", "duration_seconds", "size_bytes", "content_type",
  "checksum_sha256", "source_connector_id", "source_path", "source_etag", "import_job_id", "result_status", "engine", "result_error",
  "video_result", "segment_id", "segment_ordinal", "start_seconds", "end_seconds", "segment_status", "segment_error",
] as const;
/** Flattened media / data columns beyond this many go, as JSON, into one overflow column. */
const MAX_DYNAMIC_COLUMNS = 500;

/** Nested objects become dotted column names; arrays and scalars are leaves (arrays as JSON). */
export function flatten(value: unknown, prefix: string, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out[prefix] = value;
    for (const [k, v] of entries) flatten(v, `${prefix}.${k}`, out);
  } else out[prefix] = value;
  return out;
}

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * First pass of csv: the flattened media.* and data.* column names (a bounded set), reading only the
 * metadata and data columns, in the same keyset pages as the artifact itself.
 */
async function dynamicColumns(spec: ArtifactSpec): Promise<Set<string>> {
  const dynamic = new Set<string>();
  const add = (o: Record<string, unknown>) => {
    for (const k of Object.keys(o)) if (dynamic.size < MAX_DYNAMIC_COLUMNS) dynamic.add(k);
  };
  for await (const run of artifactRuns(spec)) {
    let afterResult: string | undefined;
    for (;;) {
      const results = await db.promptRunVideo.findMany({
        where: { runId: run.id, ...(afterResult ? { id: { gt: afterResult } } : {}) }, select: { id: true, videoId: true }, orderBy: { id: "asc" }, take: RESULT_PAGE * 5,
      });
      if (results.length === 0) break;
      afterResult = results[results.length - 1].id;
      const videos = await db.video.findMany({ where: { workspaceId: spec.workspaceId, id: { in: results.map((r) => r.videoId) } }, select: { metadata: true } });
      for (const v of videos) if (v.metadata != null) add(flatten(v.metadata, "media"));
      let cursor: { resultId: string; ordinal: number } | undefined;
      for (;;) {
        const rows = await db.promptRunSegment.findMany({
          where: {
            resultId: { in: results.map((r) => r.id) },
            ...(cursor ? { OR: [{ resultId: { gt: cursor.resultId } }, { resultId: cursor.resultId, ordinal: { gt: cursor.ordinal } }] } : {}),
          },
          select: { resultId: true, ordinal: true, data: true }, orderBy: [{ resultId: "asc" }, { ordinal: "asc" }], take: SEGMENT_PAGE * 2,
        });
        for (const r of rows) if (r.data != null) add(flatten(r.data, "data"));
        if (rows.length < SEGMENT_PAGE * 2) break;
        cursor = { resultId: rows[rows.length - 1].resultId, ordinal: rows[rows.length - 1].ordinal };
      }
      if (results.length < RESULT_PAGE * 5) break;
    }
  }
  return dynamic;
}

/** csv: one row per segment (a video without segments still gets one row, with empty segment columns). */
async function* csvText(spec: ArtifactSpec, stats: ArtifactStats): AsyncGenerator<string> {
  const dynamic = await dynamicColumns(spec);
  const columns = [...CSV_FIXED, ...dynamic, "overflow"];
  yield columns.map(csvCell).join(",") + "\r\n";

  let fixed: unknown[] = [];
  let media: Record<string, unknown> = {};
  let rows = 0;
  const row = (segment: PromptRunSegment | null) => {
    const seg = segment ? [segment.id, segment.ordinal, segment.startSeconds, segment.endSeconds, segment.status, segment.error] : [null, null, null, null, null, null];
    const values: Record<string, unknown> = { ...media, ...(segment?.data != null ? flatten(segment.data, "data") : {}) };
    const overflow: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) if (!dynamic.has(k)) overflow[k] = v;
    const cells = [...fixed, ...seg, ...[...dynamic].map((k) => values[k]), Object.keys(overflow).length ? overflow : null];
    return cells.map(csvCell).join(",") + "\r\n";
  };
  for await (const ev of walk(spec)) {
    if (ev.kind === "entry") {
      const e = entryObject(ev.entry);
      fixed = [
        e.prompt_run_id, e.video_id, e.video_deleted, e.title, e.video_uri, e.media_type, e.duration_seconds, e.size_bytes, e.content_type,
        e.checksum_sha256, e.source.connector_id, e.source.path, e.source.etag, e.source.import_job_id, e.result_status, e.engine, e.error,
        e.video_result,
      ];
      media = ev.entry.video?.metadata != null ? flatten(ev.entry.video.metadata, "media") : {};
      rows = 0;
      stats.videos++;
    } else if (ev.kind === "segment") {
      rows++;
      stats.segments++;
      yield row(ev.segment);
    } else if (rows === 0) {
      yield row(null);
    }
  }
}

/**
 * The artifact as a byte stream in ~64 KiB chunks. Fails (destroying the stream) with
 * ExportTooLargeError as soon as it passes `maxBytes`; `stats` is filled as it goes.
 */
export function artifactStream(spec: ArtifactSpec, maxBytes: number, stats: ArtifactStats = { bytes: 0, videos: 0, segments: 0 }): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let parts: string[] = [];
    let pending = 0;
    const source = spec.format === "csv" ? csvText(spec, stats) : jsonText(spec, stats);
    for await (const s of source) {
      parts.push(s);
      pending += s.length;
      if (pending >= CHUNK_BYTES) {
        const buf = Buffer.from(parts.join(""), "utf8");
        parts = [];
        pending = 0;
        stats.bytes += buf.length;
        if (stats.bytes > maxBytes) throw new ExportTooLargeError(maxBytes);
        yield buf;
      }
    }
    const buf = Buffer.from(parts.join(""), "utf8");
    stats.bytes += buf.length;
    if (stats.bytes > maxBytes) throw new ExportTooLargeError(maxBytes);
    if (buf.length) yield buf;
  }
  return Readable.from(chunks(), { objectMode: false });
}
