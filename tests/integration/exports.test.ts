import http from "node:http";
import type { AddressInfo } from "node:net";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { Storage } from "@google-cloud/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { s3Client, seedAzure, seedGcs, seedS3, serviceAccountFile, uniqueName } from "../helpers/storage-seed";
import { assertExportInvariants, getExportChecked, invariantCount, parseCsv, seedRun, waitForExport } from "../helpers/exports";
import { db } from "@/lib/db";
import "@/lib/jobs/all";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker";
import { signDownloadToken } from "@/lib/exports/download-token";

let emu: StorageEmulators;
let worker: RunningWorker;
let w: Awaited<ReturnType<typeof newWorkspace>>;
let other: Awaited<ReturnType<typeof newWorkspace>>;
const bucket = uniqueName("exp").toLowerCase();

beforeAll(async () => {
  emu = await useStorageEmulators(["s3", "azure", "gcs"]);
  await Promise.all([seedS3(emu.env.s3!, bucket, {}), seedAzure(emu.env.azure!, bucket, {}), seedGcs(emu.env.gcs!, bucket, {})]);
  process.env.GANTRY_EXPORT_RETRY_DELAY_SECONDS = "1";
  worker = await startWorker({ concurrency: 4, pollingIntervalSeconds: 0.3 });
  [w, other] = await Promise.all([newWorkspace(), newWorkspace()]);
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  await emu?.stop();
  // Every export response in this file went through the invariant check.
  expect(invariantCount()).toBeGreaterThan(0);
});

async function newIndex(key = w.apiKey) {
  return (await api("POST", "indexes", { apiKey: key, json: { name: uniqueName("idx") } })).body.index_id as string;
}

async function s3Connector(overrides: Record<string, unknown> = {}) {
  const s3 = emu.env.s3!;
  const res = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
    name: "dest", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey,
    endpoint: s3.endpoint, force_path_style: true, scopes: ["import", "export"], export_base_path: "gantry/out", ...overrides,
  } });
  expect(res.status).toBe(201);
  return res.body.connector_id as string;
}

async function readS3(key: string) {
  const out = await s3Client(emu.env.s3!).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString("utf8");
}

async function createExport(path: string, json: unknown, key = w.apiKey) {
  const res = await api("POST", path, { apiKey: key, json });
  return res;
}

async function downloadText(apiKey: string, exportId: string) {
  const res = await api("GET", `exports/${exportId}/download`, { apiKey });
  expect(res.status).toBe(200);
  return res;
}

describe("download exports", () => {
  it("exports an index as one JSON document, with identity, source, media facts, results and segments", async () => {
    const indexId = await newIndex();
    const run = await seedRun(w, indexId, { videos: 2, segments: 3, deleteVideo: true });
    const created = await createExport(`exports/index/${indexId}`, undefined);
    expect(created.status).toBe(202);
    expect(Object.keys(created.body).sort()).toEqual(["export_id", "status"]);
    expect(created.body.status).toBe("pending");
    const first = await getExportChecked(w.apiKey, created.body.export_id);
    expect(first).toMatchObject({
      export_type: "index", target_id: indexId, destination_type: "download", destination_connector_id: null, format: "json", max_attempts: 5,
      export_params: { prompt_run_ids: null, destination_connector_id: null, destination_base_path: null, destination_subpath: null },
    });
    // The worker may already have finished it (it polls every 0.3 s): only a pending export has no artifact yet.
    if (first.status === "pending") expect(first).toMatchObject({ queue_status: "queued", attempts: 0, gcs_uri: null, download_url: null, started_at: null });
    const done = await waitForExport(w.apiKey, created.body.export_id);
    expect(done).toMatchObject({ status: "completed", queue_status: "succeeded", attempts: 1, error_message: null,
      download_url: `/api/v2/exports/${done.export_id}/download` });
    expect(done.gcs_uri).toMatch(new RegExp(`^file://.*/exports/${done.export_id}\\.json$`));

    const res = await downloadText(w.apiKey, done.export_id);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("content-disposition")).toContain(`${done.export_id}.json`);
    expect(Buffer.byteLength(res.text)).toBe(done.file_size_bytes);
    const doc = res.body;
    expect(doc).toMatchObject({ export_id: done.export_id, format: "json", index_id: indexId });
    expect(doc.prompt_runs).toEqual([expect.objectContaining({ run_id: run.runId, status: "completed", engine: "probe" })]);
    expect(doc.results).toHaveLength(2);
    const [deleted, kept] = [...doc.results].sort((a, b) => (a.video_id === run.videoIds[0] ? -1 : b.video_id === run.videoIds[0] ? 1 : 0));
    expect(deleted).toMatchObject({ video_id: run.videoIds[0], video_deleted: true, title: null, media: null, source: { path: null },
      video_result: { summary: "video 0" }, result_status: "completed" });
    expect(deleted.segments).toHaveLength(3);
    expect(kept).toMatchObject({
      prompt_run_id: run.runId, video_id: run.videoIds[1], video_deleted: false, title: 'clip 1, "take" one', media_type: "video", duration_seconds: 31,
      size_bytes: 1001, content_type: "video/mp4", checksum_sha256: "ab".repeat(32), source: { path: "raw/clip1.mp4", etag: "etag1" },
      media: { container: "mp4", video: { width: 64, height: 48 } }, video_result: { summary: "video 1" },
    });
    expect(kept.segments.map((s: { ordinal: number; start_seconds: number; end_seconds: number }) => [s.ordinal, s.start_seconds, s.end_seconds])).toEqual([[0, 0, 10], [1, 10, 20], [2, 20, 30]]);
    expect(kept.segments[2].data).toEqual({ label: "v1s2", note: 'has, comma "quote"\nnewline', scores: { a: 2, b: 1 } });

    const events = await db.event.findMany({ where: { workspaceId: w.workspaceId, type: "export.ready" } });
    expect(events.map((e) => (e.data as { export_id: string }).export_id)).toContain(done.export_id);
  });

  it("jsonl: one video per line; csv: one segment per row with flattened, properly escaped columns", async () => {
    const indexId = await newIndex();
    const a = await seedRun(w, indexId, { videos: 2, segments: 2 });
    const b = await seedRun(w, indexId, { videos: 1, segments: 0 });
    await seedRun(w, indexId, { videos: 1, segments: 1 }); // not selected

    const jl = await createExport(`exports/index/${indexId}`, { prompt_run_ids: [a.runId, b.runId], format: "jsonl" });
    const jlDone = await waitForExport(w.apiKey, jl.body.export_id);
    expect(jlDone).toMatchObject({ status: "completed", format: "jsonl", prompt_run_ids: [a.runId, b.runId] });
    expect(jlDone.export_params.prompt_run_ids).toEqual([a.runId, b.runId]);
    const lines = (await downloadText(w.apiKey, jlDone.export_id)).text.split("\n");
    expect(lines.pop()).toBe("");
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries).toHaveLength(3);
    expect(entries.filter((e) => e.prompt_run_id === a.runId).map((e) => e.segments.length)).toEqual([2, 2]);
    expect(entries.find((e) => e.prompt_run_id === b.runId)).toMatchObject({ segments: [], prompt_run: { run_id: b.runId } });

    const csv = await createExport(`exports/index/${indexId}`, { prompt_run_ids: [a.runId, b.runId], format: "csv" });
    const csvDone = await waitForExport(w.apiKey, csv.body.export_id);
    const res = await downloadText(w.apiKey, csvDone.export_id);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = parseCsv(res.text);
    const [header, ...body] = rows;
    expect(header).toEqual(expect.arrayContaining(["prompt_run_id", "video_id", "title", "segment_ordinal", "start_seconds", "end_seconds",
      "media.container", "media.video.width", "data.label", "data.note", "data.scores.a", "data.scores.b", "overflow"]));
    expect(body).toHaveLength(2 * 2 + 1); // 4 segments + 1 row for the video without segments
    expect(body.every((r) => r.length === header.length)).toBe(true);
    const col = (r: string[], name: string) => r[header.indexOf(name)];
    const seg = body.find((r) => col(r, "data.label") === "v1s1")!;
    expect(col(seg, "data.note")).toBe('has, comma "quote"\nnewline');
    expect(col(seg, "title")).toBe('clip 1, "take" one');
    expect(col(seg, "media.video.width")).toBe("64");
    expect([col(seg, "start_seconds"), col(seg, "end_seconds"), col(seg, "data.scores.a")]).toEqual(["10", "20", "1"]);
    expect(JSON.parse(col(seg, "video_result"))).toEqual({ summary: "video 1" });
    const empty = body.find((r) => col(r, "prompt_run_id") === b.runId)!;
    expect([col(empty, "segment_id"), col(empty, "data.label")]).toEqual(["", ""]);
  });

  it("serves the artifact through short-lived signed URLs that need no other credential", async () => {
    const indexId = await newIndex();
    const run = await seedRun(w, indexId, { videos: 1, segments: 2 });
    const e = await waitForExport(w.apiKey, (await createExport(`exports/prompt-run/${run.runId}`, { format: "jsonl" })).body.export_id);
    expect(e).toMatchObject({ export_type: "prompt_run", target_id: run.runId, status: "completed" });
    const urlRes = await api("POST", `exports/${e.export_id}/download-url`, { apiKey: w.apiKey });
    expect(urlRes.status).toBe(200);
    expect(Object.keys(urlRes.body).sort()).toEqual(["destination_connector_id", "destination_type", "download_url", "export_id", "status"]);
    const url = new URL(urlRes.body.download_url);
    expect(`${url.origin}${url.pathname}`).toBe(`http://gantry.test/api/v2/exports/${e.export_id}/download`);
    expect([...url.searchParams.keys()]).toEqual(["token"]);
    const token = url.searchParams.get("token")!;
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(token.length).toBeLessThanOrEqual(2048);

    const ok = await api("GET", `exports/${e.export_id}/download?token=${token}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe((await downloadText(w.apiKey, e.export_id)).text);
    expect(ok.headers.get("x-request-id")).toMatch(/^req_/);

    const [p, s] = token.split(".").slice(1);
    const flip = (x: string) => (x[5] === "A" ? "B" : "A");
    const cases: Array<[string, string, number, string]> = [
      ["tampered signature", `v1.${p}.${s.slice(0, 5)}${flip(s)}${s.slice(6)}`, 401, "download_token_invalid"],
      ["tampered payload", `v1.${p.slice(0, 5)}${flip(p)}${p.slice(6)}.${s}`, 401, "download_token_invalid"],
      ["malformed", "v1.nope", 401, "download_token_invalid"],
      ["expired", signDownloadToken(e.export_id, w.workspaceId, new Date(Date.now() - 1000)), 401, "download_token_expired"],
      ["another export's token", signDownloadToken("exp_01aaaaaaaaaaaaaaaaaaaaaaaa", w.workspaceId, new Date(Date.now() + 60_000)), 403, "download_token_mismatch"],
    ];
    for (const [name, t, status, code] of cases) {
      const r = await api("GET", `exports/${e.export_id}/download?token=${encodeURIComponent(t)}`);
      expect([name, r.status, r.body.error.code]).toEqual([name, status, code]);
    }
    // a genuine token of an export that is not in its workspace (or gone)
    const ghost = "exp_01bbbbbbbbbbbbbbbbbbbbbbbb";
    const r404 = await api("GET", `exports/${ghost}/download?token=${signDownloadToken(ghost, w.workspaceId, new Date(Date.now() + 60_000))}`);
    expect([r404.status, r404.body.error.code]).toEqual([404, "export_not_found"]);
    // without a token: credentials are required
    expect((await api("GET", `exports/${e.export_id}/download`)).status).toBe(401);
    // GANTRY_PUBLIC_URL sets the origin of minted URLs
    process.env.GANTRY_PUBLIC_URL = "https://gantry.example.com/";
    const { resetEnvCache } = await import("@/lib/config/env");
    resetEnvCache();
    try {
      const pub = await api("POST", `exports/${e.export_id}/download-url`, { apiKey: w.apiKey });
      expect(pub.body.download_url).toMatch(new RegExp(`^https://gantry\\.example\\.com/api/v2/exports/${e.export_id}/download\\?token=v1\\.`));
    } finally {
      delete process.env.GANTRY_PUBLIC_URL;
      resetEnvCache();
    }
  });

  it("signed-URL downloads have their own budget per export (the costly rate), counted only for valid tokens", async () => {
    const indexId = await newIndex();
    const run = await seedRun(w, indexId, { videos: 1, segments: 1 });
    const e = await waitForExport(w.apiKey, (await createExport(`exports/prompt-run/${run.runId}`, { format: "json" })).body.export_id);
    const token = new URL((await api("POST", `exports/${e.export_id}/download-url`, { apiKey: w.apiKey })).body.download_url).searchParams.get("token")!;
    process.env.GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE = "3";
    const { resetEnvCache } = await import("@/lib/config/env");
    resetEnvCache();
    try {
      // fixed one-minute windows: stay clear of a window's end so that all requests count in one
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
      // invalid tokens are refused before the budget is touched
      for (let i = 0; i < 5; i++) expect((await api("GET", `exports/${e.export_id}/download?token=v1.nope`)).status).toBe(401);
      for (let i = 0; i < 3; i++) {
        const ok = await api("GET", `exports/${e.export_id}/download?token=${token}`);
        expect(ok.status).toBe(200);
        expect(ok.headers.get("x-ratelimit-remaining")).toBe(String(2 - i));
      }
      const limited = await api("GET", `exports/${e.export_id}/download?token=${token}`);
      expect([limited.status, limited.body.error.code]).toEqual([429, "rate_limited"]);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      delete process.env.GANTRY_RATE_LIMIT_COSTLY_PER_MINUTE;
      resetEnvCache();
    }
  }, 90_000);

  it("lists exports as a bare array, newest first, with a cursor; tenancy hides other workspaces' exports", async () => {
    const indexId = await newIndex();
    await seedRun(w, indexId, { videos: 1, segments: 1 });
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await createExport(`exports/index/${indexId}`, {})).body.export_id);
    const page = await api("GET", "exports?limit=1", { apiKey: w.apiKey });
    expect(page.status).toBe(200);
    expect(Array.isArray(page.body)).toBe(true);
    expect(page.body).toHaveLength(1);
    expect(page.body[0].export_id).toBe(ids[1]);
    page.body.forEach(assertExportInvariants);
    const cursor = page.headers.get("x-next-cursor")!;
    expect(cursor).toBeTruthy();
    const next = await api("GET", `exports?limit=1&cursor=${cursor}`, { apiKey: w.apiKey });
    expect(next.body[0].export_id).toBe(ids[0]);
    next.body.forEach(assertExportInvariants);
    const foreign = await api("GET", `exports/${ids[0]}`, { apiKey: other.apiKey });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, "export_not_found"]);
    expect((await api("GET", "exports", { apiKey: other.apiKey })).body.map((x: { export_id: string }) => x.export_id)).not.toContain(ids[0]);
    expect((await api("POST", `exports/${ids[0]}/download-url`, { apiKey: other.apiKey })).status).toBe(404);
    for (const id of ids) await waitForExport(w.apiKey, id);
  });

  it("refuses bad requests with the field at fault", async () => {
    const indexId = await newIndex();
    const otherIndex = await newIndex();
    const foreignRun = await seedRun(w, otherIndex, { videos: 1, segments: 1 });
    const noExport = await s3Connector({ scopes: ["import"] });
    const cases: Array<[string, string, unknown, number, string, string | null]> = [
      ["run of another index", `exports/index/${indexId}`, { prompt_run_ids: [foreignRun.runId] }, 422, "validation_error", "prompt_run_ids.0"],
      ["unknown field", `exports/index/${indexId}`, { format: "json", colour: "red" }, 422, "validation_error", "colour"],
      ["format in params", `exports/index/${indexId}`, { format: "xml" }, 422, "validation_error", "format"],
      ["subpath without connector", `exports/index/${indexId}`, { destination_subpath: "a" }, 422, "validation_error", "destination_subpath"],
      ["connector without export scope", `exports/index/${indexId}`, { destination_connector_id: noExport }, 422, "connector_scope_missing", "destination_connector_id"],
      ["unknown connector", `exports/index/${indexId}`, { destination_connector_id: "conn_01aaaaaaaaaaaaaaaaaaaaaaaa" }, 404, "connector_not_found", "destination_connector_id"],
      ["prompt_run_ids on a run export", `exports/prompt-run/${foreignRun.runId}`, { prompt_run_ids: [foreignRun.runId] }, 422, "validation_error", "prompt_run_ids"],
      ["unknown index", "exports/index/idx_01aaaaaaaaaaaaaaaaaaaaaaaa", {}, 404, "index_not_found", null],
      ["unknown run", "exports/prompt-run/run_01aaaaaaaaaaaaaaaaaaaaaaaa", {}, 404, "prompt_run_not_found", null],
    ];
    for (const [name, path, body, status, code, field] of cases) {
      const r = await createExport(path, body);
      expect([name, r.status, r.body.error.code]).toEqual([name, status, code]);
      if (field) expect(r.body.error.details.fields.map((f: { field: string }) => f.field), name).toContain(field);
    }
    expect(cases).toHaveLength(9);
    const readOnly = await newWorkspace(["read"]);
    expect((await createExport(`exports/index/${indexId}`, {}, readOnly.apiKey)).status).toBe(403);
  });

  it("fails an export over GANTRY_EXPORT_MAX_BYTES with a clear message", async () => {
    const indexId = await newIndex();
    await seedRun(w, indexId, { videos: 3, segments: 40 });
    process.env.GANTRY_EXPORT_MAX_BYTES = "4096";
    let id: string;
    try {
      id = (await createExport(`exports/index/${indexId}`, { format: "csv" })).body.export_id;
    } finally {
      delete process.env.GANTRY_EXPORT_MAX_BYTES;
    }
    const e = await waitForExport(w.apiKey, id);
    expect(e).toMatchObject({ status: "failed", queue_status: "failed", attempts: 1, gcs_uri: null, download_url: null, file_size_bytes: null });
    expect(e.error_message).toMatch(/larger than the 4096-byte limit \(GANTRY_EXPORT_MAX_BYTES\)/);
    expect((await api("POST", `exports/${id}/download-url`, { apiKey: w.apiKey })).body.download_url).toBeNull();
    expect((await api("GET", `exports/${id}/download`, { apiKey: w.apiKey })).status).toBe(409);
    const failed = await db.event.findMany({ where: { workspaceId: w.workspaceId, type: "export.failed" } });
    expect(failed.map((x) => (x.data as { export_id: string }).export_id)).toContain(id);
  });
});

describe("connector exports", () => {
  it("writes <export_base_path>/<destination_subpath>/<export_id>.<ext> to S3, Azure and GCS", async () => {
    const indexId = await newIndex();
    const run = await seedRun(w, indexId, { videos: 2, segments: 2 });
    const s3 = await s3Connector();
    const az = emu.env.azure!;
    const azure = (await api("POST", "connectors/azure", { apiKey: w.apiKey, json: {
      name: "az", storage_account: az.accountName, container: bucket, account_key: az.accountKey, endpoint: az.endpoint, scopes: ["export"],
      export_base_path: "deliveries",
    } })).body.connector_id;
    const fd = new FormData();
    for (const [k, v] of Object.entries({ name: "g", bucket, gcp_project_id: "p", scopes: "export", endpoint: emu.env.gcs!.endpoint })) fd.append(k, v);
    fd.append("credentials_file", new Blob([JSON.stringify(serviceAccountFile())], { type: "application/json" }), "key.json");
    const gcs = (await api("POST", "connectors/gcs", { apiKey: w.apiKey, body: fd })).body.connector_id;

    const s3Exp = await createExport(`exports/prompt-run/${run.runId}`, { destination_connector_id: s3, destination_subpath: "daily//2026/", format: "csv" });
    expect(s3Exp.status).toBe(202);
    const azExp = await createExport(`exports/index/${indexId}`, { destination_connector_id: azure, destination_subpath: "ünïcode folder" });
    const gcsExp = await createExport(`exports/index/${indexId}`, { destination_connector_id: gcs, format: "jsonl" });

    const e1 = await waitForExport(w.apiKey, s3Exp.body.export_id);
    expect(e1).toMatchObject({
      status: "completed", queue_status: "succeeded", destination_type: "connector", destination_connector_id: s3, destination_base_path: "gantry/out",
      destination_subpath: "daily/2026", gcs_uri: `s3://${bucket}/gantry/out/daily/2026/${e1.export_id}.csv`, download_url: null,
      export_params: { prompt_run_ids: [run.runId], destination_connector_id: s3, destination_base_path: "gantry/out", destination_subpath: "daily/2026" },
    });
    const csv = parseCsv(await readS3(`gantry/out/daily/2026/${e1.export_id}.csv`));
    expect(csv).toHaveLength(1 + 4);
    expect(Buffer.byteLength(await readS3(`gantry/out/daily/2026/${e1.export_id}.csv`))).toBe(e1.file_size_bytes);
    const url = await api("POST", `exports/${e1.export_id}/download-url`, { apiKey: w.apiKey });
    expect(url.body).toEqual({ export_id: e1.export_id, status: "completed", destination_type: "connector", destination_connector_id: s3, download_url: null });

    const e2 = await waitForExport(w.apiKey, azExp.body.export_id);
    expect(e2.gcs_uri).toBe(`azure://${az.accountName}/${bucket}/deliveries/ünïcode folder/${e2.export_id}.json`);
    const blob = await new BlobServiceClient(az.endpoint, new StorageSharedKeyCredential(az.accountName, az.accountKey))
      .getContainerClient(bucket).getBlockBlobClient(`deliveries/ünïcode folder/${e2.export_id}.json`).downloadToBuffer();
    expect(JSON.parse(blob.toString("utf8")).results).toHaveLength(2);

    const e3 = await waitForExport(w.apiKey, gcsExp.body.export_id);
    expect(e3).toMatchObject({ destination_base_path: "", destination_subpath: null, gcs_uri: `gs://${bucket}/${e3.export_id}.jsonl` });
    const [gbytes] = await new Storage({ apiEndpoint: emu.env.gcs!.endpoint, projectId: "test" }).bucket(bucket).file(`${e3.export_id}.jsonl`).download();
    expect(gbytes.toString("utf8").trim().split("\n")).toHaveLength(2);
  });

  it.each([
    ["..", "parent"], ["../x", "parent prefix"], ["a/../../b", "inner parent"], ["a/./b", "dot segment"], ["/etc", "absolute"],
    ["a%2Fb", "encoded slash"], ["%2e%2e/x", "encoded dots"], ["a%5cb", "encoded backslash"], ["a\\b", "backslash"], ["..\\x", "backslash parent"],
    ["a\uFF0Fb", "fullwidth solidus"], ["\uFF0E\uFF0E/x", "fullwidth full stops"], ["\u2024\u2024/x", "one-dot leaders"], ["a\u0000b", "NUL"],
    ["a\nb", "newline"],
  ])("refuses destination_subpath %j (%s) with 422 naming the field, on exports and automations", async (subpath) => {
    const s3 = await cachedS3();
    const indexId = await cachedIndex();
    const r = await createExport(`exports/index/${indexId}`, { destination_connector_id: s3, destination_subpath: subpath });
    expect(r.status).toBe(422);
    expect(r.body.error.details.fields[0].field).toBe("destination_subpath");
    const a = await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: { enabled: true, paused: false, destination_connector_id: s3, destination_subpath: subpath } });
    expect(a.status).toBe(422);
    expect(a.body.error.details.fields[0].field).toBe("destination_subpath");
  });

  it("retries a transient storage failure with backoff, then completes", async () => {
    const proxy = await flakyProxy(emu.env.s3!.endpoint);
    try {
      const conn = await s3Connector({ endpoint: proxy.url, name: "flaky" });
      const indexId = await newIndex();
      await seedRun(w, indexId, { videos: 1, segments: 2 });
      const id = (await createExport(`exports/index/${indexId}`, { destination_connector_id: conn })).body.export_id;
      const waiting = await waitUntil(w.apiKey, id, (e) => e.attempts >= 1 && e.last_error !== null && e.status === "pending");
      expect(waiting).toMatchObject({ queue_status: "queued", error_message: null });
      expect(Date.parse(waiting.available_at)).toBeGreaterThan(Date.parse(waiting.started_at));
      proxy.failing = false;
      const done = await waitForExport(w.apiKey, id);
      expect(done).toMatchObject({ status: "completed", queue_status: "succeeded" });
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      expect(await readS3(`gantry/out/${id}.json`)).toContain(`"export_id":"${id}"`);
    } finally {
      await proxy.close();
    }
  });

  it("keeps a connector that an unfinished export writes to from being deleted (409 connector_in_use)", async () => {
    const { newId } = await import("@/lib/ids");
    const conn = await s3Connector({ name: "busy" });
    const indexId = await newIndex();
    const id = newId("exp");
    await db.export.create({ data: {
      id, workspaceId: w.workspaceId, indexId, exportType: "index", targetId: indexId, maxAttempts: 5, maxBytes: BigInt(1 << 20), retryDelaySeconds: 0,
      destinationType: "connector", destinationConnectorId: conn, destinationBasePath: "gantry/out",
    } });
    const busy = await api("DELETE", `connectors/${conn}`, { apiKey: w.apiKey });
    expect([busy.status, busy.body.error.code, busy.body.error.details.in_use_by]).toEqual([409, "connector_in_use", [id]]);
    await db.export.update({ where: { id }, data: { status: "failed" } });
    expect((await api("DELETE", `connectors/${conn}`, { apiKey: w.apiKey })).status).toBe(200);
  });

  it("fails at once, without retrying, when the storage refuses for good (permission denied)", async () => {
    const { runExportAttempt } = await import("@/lib/exports/run-export");
    const { StorageError } = await import("@/lib/providers/errors");
    const indexId = await newIndex();
    await seedRun(w, indexId, { videos: 1, segments: 1 });
    // A row without a queue job (so no worker races this direct call through the I/O seam).
    const { newId } = await import("@/lib/ids");
    const id = newId("exp");
    await db.export.create({ data: {
      id, workspaceId: w.workspaceId, indexId, exportType: "index", targetId: indexId, maxAttempts: 5, maxBytes: BigInt(1 << 20), retryDelaySeconds: 0,
      destinationType: "connector", destinationConnectorId: await cachedS3(), destinationBasePath: "gantry/out",
    } });
    let writes = 0;
    const refusing = {
      target: async () => ({
        key: `gantry/out/${id}.json`, uri: (k: string) => `s3://x/${k}`,
        provider: { write: async (_k: string, body: NodeJS.ReadableStream) => {
          writes++;
          for await (const chunk of body) void chunk; // consume like a real upload, then refuse
          throw new StorageError("permission_denied", "S3 write: access denied (AccessDenied, HTTP 403)", { retryable: false, status: 403 });
        } } as never,
      }),
    };
    await runExportAttempt(id, refusing);
    const e = await getExportChecked(w.apiKey, id);
    expect(e).toMatchObject({ status: "failed", queue_status: "failed", attempts: 1, gcs_uri: null });
    expect(e.error_message).toContain("access denied");
    await runExportAttempt(id, refusing); // a duplicate delivery of the job does nothing
    expect(writes).toBe(1);
  });

  it("gives up after max_attempts on a stopped endpoint: failed, dead_letter, last_error", async () => {
    const proxy = await flakyProxy(emu.env.s3!.endpoint);
    const stoppedUrl = proxy.url;
    await proxy.close(); // nothing listens there any more
    process.env.GANTRY_EXPORT_MAX_ATTEMPTS = "2";
    try {
      const conn = await s3Connector({ endpoint: stoppedUrl, name: "stopped" });
      const indexId = await newIndex();
      await seedRun(w, indexId, { videos: 1, segments: 1 });
      const id = (await createExport(`exports/index/${indexId}`, { destination_connector_id: conn })).body.export_id;
      const e = await waitForExport(w.apiKey, id, 60_000);
      expect(e).toMatchObject({ status: "failed", queue_status: "dead_letter", attempts: 2, max_attempts: 2, gcs_uri: null });
      expect(e.last_error).toBeTruthy();
      expect(e.error_message).toMatch(/^Export failed after 2 attempts: /);
      expect(e.error_message).not.toContain(emu.env.s3!.secretAccessKey);
    } finally {
      delete process.env.GANTRY_EXPORT_MAX_ATTEMPTS;
    }
  });
});

describe("export automations", () => {
  it("PUT/GET/pause/resume/DELETE with the contract's object, and validation", async () => {
    const indexId = await newIndex();
    const none = await api("GET", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey });
    expect([none.status, none.body.error.code]).toEqual([404, "automation_not_found"]);
    const noExport = await s3Connector({ scopes: ["import"] });
    const bad = await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: { enabled: true, paused: false, destination_connector_id: noExport } });
    expect([bad.status, bad.body.error.code, bad.body.error.details.fields[0].field]).toEqual([422, "connector_scope_missing", "destination_connector_id"]);
    const missing = await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: { enabled: true } });
    expect([missing.status, missing.body.error.details.fields[0].field]).toEqual([422, "destination_connector_id"]);

    const conn = await s3Connector();
    const put = await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: {
      enabled: true, paused: false, destination_connector_id: conn, destination_subpath: "auto/", format: "jsonl",
    } });
    expect(put.status).toBe(200);
    expect(Object.keys(put.body).sort()).toEqual([
      "automation_id", "consecutive_failures", "created_at", "destination_connector_id", "destination_subpath", "enabled", "format", "index_id",
      "last_error", "last_export_id", "last_triggered_at", "next_run_at", "paused", "paused_reason", "type", "updated_at",
    ]);
    expect(put.body).toMatchObject({ automation_id: expect.stringMatching(/^auto_/), index_id: indexId, type: "export", enabled: true, paused: false,
      paused_reason: null, destination_connector_id: conn, destination_subpath: "auto", format: "jsonl", last_export_id: null, consecutive_failures: 0 });
    expect((await api("GET", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey })).body).toEqual(put.body);
    const paused = await api("POST", `indexes/${indexId}/automations/export/pause`, { apiKey: w.apiKey });
    expect(paused.body).toMatchObject({ paused: true, automation_id: put.body.automation_id });
    expect((await api("POST", `indexes/${indexId}/automations/export/resume`, { apiKey: w.apiKey })).body.paused).toBe(false);
    // replacing keeps the id
    const again = await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: { enabled: false, paused: false, destination_connector_id: conn } });
    expect(again.body).toMatchObject({ automation_id: put.body.automation_id, enabled: false, destination_subpath: null, format: "json" });
    // the connector is in use while the automation points at it
    const del = await api("DELETE", `connectors/${conn}`, { apiKey: w.apiKey });
    expect([del.status, del.body.error.code]).toEqual([409, "connector_in_use"]);
    expect((await api("GET", `indexes/${indexId}/automations/export`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await api("DELETE", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey })).status).toBe(200);
    expect((await api("GET", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey })).status).toBe(404);
    expect((await api("DELETE", `connectors/${conn}`, { apiKey: w.apiKey })).status).toBe(200);
  });

  it("exports each finished run exactly once, even when the finish is seen twice or by two transactions", async () => {
    const { runPromptRunFinishedHooks } = await import("@/lib/prompt-runs/hooks");
    const { getBoss } = await import("@/lib/jobs/queue");
    await getBoss();
    const indexId = await newIndex();
    const conn = await s3Connector();
    await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: { enabled: true, paused: false, destination_connector_id: conn, destination_subpath: "auto", format: "csv" } });
    const run = await seedRun(w, indexId, { videos: 2, segments: 2 });
    const finished = { id: run.runId, workspaceId: w.workspaceId, indexId, status: "completed" as const, automationId: null };
    await db.$transaction((tx) => runPromptRunFinishedHooks(finished, tx));
    await db.$transaction((tx) => runPromptRunFinishedHooks(finished, tx));
    await Promise.all([0, 1].map(() => db.$transaction((tx) => runPromptRunFinishedHooks(finished, tx))));
    const rows = await db.export.findMany({ where: { workspaceId: w.workspaceId, promptRunId: run.runId } });
    expect(rows).toHaveLength(1);
    const e = await waitForExport(w.apiKey, rows[0].id);
    expect(e).toMatchObject({ status: "completed", export_type: "prompt_run", target_id: run.runId, format: "csv", automation_id: expect.stringMatching(/^auto_/),
      gcs_uri: `s3://${bucket}/gantry/out/auto/${e.export_id}.csv` });
    expect(parseCsv(await readS3(`gantry/out/auto/${e.export_id}.csv`))).toHaveLength(1 + 4);
    const a = (await api("GET", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey })).body;
    expect(a).toMatchObject({ last_export_id: e.export_id, consecutive_failures: 0 });
    expect(a.last_triggered_at).not.toBeNull();

    // failed / cancelled runs, paused or disabled automations: nothing
    const failedRun = await seedRun(w, indexId, { videos: 1, segments: 1, status: "failed" });
    await db.$transaction((tx) => runPromptRunFinishedHooks({ ...finished, id: failedRun.runId, status: "failed" }, tx));
    await api("POST", `indexes/${indexId}/automations/export/pause`, { apiKey: w.apiKey });
    const pausedRun = await seedRun(w, indexId, { videos: 1, segments: 1 });
    await db.$transaction((tx) => runPromptRunFinishedHooks({ ...finished, id: pausedRun.runId, status: "completed_with_failures" }, tx));
    expect(await db.export.count({ where: { workspaceId: w.workspaceId, promptRunId: { in: [failedRun.runId, pausedRun.runId] } } })).toBe(0);
    await api("POST", `indexes/${indexId}/automations/export/resume`, { apiKey: w.apiKey });
    await db.$transaction((tx) => runPromptRunFinishedHooks({ ...finished, id: pausedRun.runId, status: "completed_with_failures" }, tx));
    expect(await db.export.count({ where: { workspaceId: w.workspaceId, promptRunId: pausedRun.runId } })).toBe(1);
  });

  it("writes nothing when the run's transaction rolls back; counts failed automation exports on the automation", async () => {
    const { runPromptRunFinishedHooks } = await import("@/lib/prompt-runs/hooks");
    const indexId = await newIndex();
    const proxy = await flakyProxy(emu.env.s3!.endpoint);
    const stoppedUrl = proxy.url;
    await proxy.close();
    process.env.GANTRY_EXPORT_MAX_ATTEMPTS = "1";
    try {
      const conn = await s3Connector({ endpoint: stoppedUrl, name: "stopped-auto" });
      await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: { enabled: true, paused: false, destination_connector_id: conn } });
      const run = await seedRun(w, indexId, { videos: 1, segments: 1 });
      const finished = { id: run.runId, workspaceId: w.workspaceId, indexId, status: "completed" as const, automationId: null };
      await expect(db.$transaction(async (tx) => {
        await runPromptRunFinishedHooks(finished, tx);
        throw new Error("the run's own transition failed");
      })).rejects.toThrow("transition failed");
      expect(await db.export.count({ where: { promptRunId: run.runId } })).toBe(0);

      await db.$transaction((tx) => runPromptRunFinishedHooks(finished, tx));
      const row = await db.export.findFirstOrThrow({ where: { promptRunId: run.runId } });
      const e = await waitForExport(w.apiKey, row.id);
      expect(e).toMatchObject({ status: "failed", queue_status: "dead_letter", attempts: 1, max_attempts: 1 });
      const a = (await api("GET", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey })).body;
      expect(a).toMatchObject({ last_export_id: row.id, consecutive_failures: 1, last_error: expect.stringContaining("Export failed after 1 attempt: ") });
    } finally {
      delete process.env.GANTRY_EXPORT_MAX_ATTEMPTS;
    }
  });
});

// ---------------------------------------------------------------------------------------------------

let s3Cached: Promise<string> | undefined;
const cachedS3 = () => (s3Cached ??= s3Connector());
let indexCached: Promise<string> | undefined;
const cachedIndex = () => (indexCached ??= newIndex());

async function waitUntil(apiKey: string, id: string, pred: (e: Record<string, any>) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await getExportChecked(apiKey, id);
    if (pred(e)) return e;
    if (Date.now() > deadline) throw new Error(`export ${id}: condition not reached (${e.status}, ${e.attempts}, ${e.last_error})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A reverse proxy to the S3 emulator that answers 503 while `failing` is true. */
async function flakyProxy(target: string) {
  const t = new URL(target);
  const state = { failing: true };
  const server = http.createServer((req, res) => {
    if (state.failing) {
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" }).end("<Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>");
      return;
    }
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get failing() { return state.failing; },
    set failing(v: boolean) { state.failing = v; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
