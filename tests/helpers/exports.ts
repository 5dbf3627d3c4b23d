import { expect } from "vitest";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { api } from "./api";

const PARAM_KEYS = ["destination_base_path", "destination_connector_id", "destination_subpath", "prompt_run_ids"];
const TIMESTAMPS = ["available_at", "started_at", "completed_at", "updated_at", "created_at"];
let invariantChecks = 0;
export const invariantCount = () => invariantChecks;

/** Every invariant of the contract's export object (§6); the reference clients reject a response breaking one. */
export function assertExportInvariants(e: Record<string, any>): void {
  invariantChecks++;
  expect(e.export_id).toMatch(/^exp_/);
  expect(["index", "prompt_run"]).toContain(e.export_type);
  expect(["pending", "processing", "completed", "failed"]).toContain(e.status);
  expect([null, "queued", "leased", "running", "failed", "succeeded", "dead_letter"]).toContain(e.queue_status);
  expect(["download", "connector"]).toContain(e.destination_type);
  expect(["json", "jsonl", "csv"]).toContain(e.format);
  // download ⇔ destination_connector_id null
  expect(e.destination_type === "download").toBe(e.destination_connector_id === null);
  if (e.destination_type === "connector") {
    expect(typeof e.destination_connector_id === "string" && e.destination_connector_id.length > 0).toBe(true);
    expect(e.download_url).toBeNull();
    expect(e.destination_uri).toBe(e.gcs_uri);
  } else {
    expect(e.destination_uri).toBeNull();
  }
  const downloadable = e.status === "completed" && e.queue_status === "succeeded" && e.destination_type === "download" && !!e.gcs_uri;
  expect(e.download_url).toBe(downloadable ? `/api/v2/exports/${e.export_id}/download` : null);
  expect(Number.isInteger(e.attempts) && e.attempts >= 0).toBe(true);
  expect(Number.isInteger(e.max_attempts) && e.max_attempts >= 1).toBe(true);
  for (const k of TIMESTAMPS) {
    expect(e[k] === null || (typeof e[k] === "string" && !Number.isNaN(Date.parse(e[k]))), k).toBe(true);
  }
  expect(e.export_params === null || (typeof e.export_params === "object" && !Array.isArray(e.export_params))).toBe(true);
  if (e.export_params) {
    expect(Object.keys(e.export_params).every((k) => PARAM_KEYS.includes(k))).toBe(true);
    expect(e.export_params).not.toHaveProperty("format");
    for (const [k, v] of Object.entries(e.export_params)) expect(v, `export_params.${k}`).toEqual(e[k]);
  }
}

export async function getExportChecked(apiKey: string, id: string) {
  const res = await api("GET", `exports/${id}`, { apiKey });
  expect(res.status).toBe(200);
  assertExportInvariants(res.body);
  return res.body;
}

/** Polls the export (checking the invariants on every response) until it is completed or failed. */
export async function waitForExport(apiKey: string, id: string, timeoutMs = 45_000, until = ["completed", "failed"]) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await getExportChecked(apiKey, id);
    if (until.includes(e.status)) return e;
    if (Date.now() > deadline) throw new Error(`export ${id} still ${e.status} (${e.queue_status}, attempts ${e.attempts}, ${e.last_error})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type SeededRun = { runId: string; videoIds: string[]; segmentCount: number };

/**
 * A finished prompt run written straight into the database (the prompt-run engine is not needed to
 * test exports): `videos` videos with `segments` segments each; `deleteVideo` removes the first video
 * afterwards; `data` builds each segment's data.
 */
export async function seedRun(
  w: { workspaceId: string },
  indexId: string,
  o: { videos?: number; segments?: number; status?: string; deleteVideo?: boolean; data?: (v: number, s: number) => unknown } = {},
): Promise<SeededRun> {
  const nVideos = o.videos ?? 2;
  const nSegments = o.segments ?? 3;
  const runId = newId("run");
  await db.promptRun.create({
    data: {
      id: runId, workspaceId: w.workspaceId, promptId: newId("prompt"), indexId, status: o.status ?? "completed", processingModel: "probe",
      engine: "probe", promptSnapshot: { name: "p", prompt_text: "describe", json_schema: { type: "object" } }, targetType: "index",
      videoCount: nVideos, completedVideos: nVideos, completedAt: new Date(),
    },
  });
  const videoIds: string[] = [];
  for (let v = 0; v < nVideos; v++) {
    const videoId = newId("vid");
    videoIds.push(videoId);
    await db.video.create({
      data: {
        id: videoId, workspaceId: w.workspaceId, indexId, title: `clip ${v}, "take" one`, videoUri: `file:///media/${videoId}.mp4`, storageKey: `${videoId}.mp4`,
        mediaType: "video", durationSeconds: 30 + v, sizeBytes: BigInt(1000 + v), contentType: "video/mp4", sourcePath: `raw/clip${v}.mp4`,
        sourceEtag: `etag${v}`, checksumSha256: "ab".repeat(32), metadata: { container: "mp4", video: { codec: "h264", width: 64, height: 48 } },
      },
    });
    const resultId = newId("seg");
    await db.promptRunVideo.create({
      data: { id: resultId, runId, videoId, status: "completed", engine: "probe", videoResult: { summary: `video ${v}` }, completedAt: new Date() },
    });
    if (nSegments > 0) {
      await db.promptRunSegment.createMany({
        data: Array.from({ length: nSegments }, (_, s) => ({
          id: newId("seg"), resultId, runId, ordinal: s, startSeconds: s * 10, endSeconds: s * 10 + 10, status: "completed",
          data: (o.data ? o.data(v, s) : { label: `v${v}s${s}`, note: 'has, comma "quote"\nnewline', scores: { a: s, b: v } }) as object,
        })),
      });
    }
  }
  if (o.deleteVideo) await db.video.delete({ where: { id: videoIds[0] } });
  return { runId, videoIds, segmentCount: nVideos * nSegments };
}

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF / LF inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      if (c === "\r") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
