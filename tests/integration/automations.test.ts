import { spawn } from "node:child_process";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { fixture, waitForJob } from "../helpers/imports";
import { s3Client, seedS3, uniqueName } from "../helpers/storage-seed";
import { setClock } from "@/lib/clock";
import { db } from "@/lib/db";
import "@/lib/jobs/all";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker";
import { tickAutomations } from "@/lib/automations/scheduler";
import { scanAutomation, startPresetRun, MAX_CONSECUTIVE_FAILURES } from "@/lib/automations/scan-location";

const ROOT = path.resolve(__dirname, "../..");
let emu: StorageEmulators;
let worker: RunningWorker;
let w: Awaited<ReturnType<typeof newWorkspace>>;
let promptId: string;
// The test's clock runs a day ahead of real time (so no real-time tick elsewhere finds these automations
// due) and is moved forward by the tests instead of sleeping.
let fakeNow = Date.now() + 86_400_000;
const advance = (ms: number) => (fakeNow += ms);
/** The API's timestamp form: ISO 8601, whole seconds, Z. */
const isoAt = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

async function source(files: Record<string, Buffer | string>) {
  const s3 = emu.env.s3!;
  const bucket = uniqueName("auto").toLowerCase();
  await seedS3(s3, bucket, files);
  const c = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
    name: bucket, bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey, endpoint: s3.endpoint,
  } });
  expect(c.status).toBe(201);
  return { bucket, connectorId: c.body.connector_id as string, put: (key: string, body: Buffer) => s3Client(s3).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })) };
}

async function newIndex() {
  return (await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "auto" } })).body.index_id as string;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * A tick that claims `id`. The claim skips rows another transaction holds locked (FOR UPDATE SKIP
 * LOCKED: a scan still finishing may hold the row for a moment on PostgreSQL), and the next tick takes
 * them; so the test ticks again until the claim, as the scheduler would 30 s later.
 */
async function tickClaims(id: string) {
  await until(`a tick claiming ${id}`, async () => (await tickAutomations()).includes(id), 10_000);
}

async function waitForRun(runId: string) {
  return until("prompt run", async () => {
    const r = await api("GET", `prompt-runs/${runId}`, { apiKey: w.apiKey });
    return ["completed", "completed_with_failures", "failed", "cancelled"].includes(r.body.status) ? r.body : null;
  });
}

beforeAll(async () => {
  emu = await useStorageEmulators(["s3"]);
  setClock(() => new Date(fakeNow));
  // Every queue but the self-renewing tick: the test drives ticks itself.
  const { listJobDefinitions } = await import("@/lib/jobs/registry");
  worker = await startWorker({ concurrency: 4, pollingIntervalSeconds: 0.3, queues: listJobDefinitions().map((d) => d.name).filter((n) => n !== "automations.tick") });
  w = await newWorkspace();
  promptId = (await api("POST", "prompts", { apiKey: w.apiKey, json: { name: "desc", prompt_text: "Describe.", json_schema: { type: "object" } } })).body.prompt_id;
}, 120_000);
afterAll(async () => {
  setClock(null);
  await worker?.stop();
  await emu?.stop();
});

describe("import automation API", () => {
  it("GET before PUT is 404 automation_not_found; PUT answers the whole object; PUT again replaces it", async () => {
    const src = await source({});
    const indexId = await newIndex();
    const none = await api("GET", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey });
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe("automation_not_found");
    const body = { enabled: true, paused: false, connector_id: src.connectorId, source_prefix: "in/", file_pattern: "*.mp4", recursive: false, debounce_interval: "10m",
      prompt_preset: { prompt_id: promptId, video_segment_duration: 5 }, backfill: true };
    const put = await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: body });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      ...body, automation_id: expect.stringMatching(/^auto_[0-9a-z]{26}$/), index_id: indexId, type: "import", paused_reason: null,
      last_triggered_at: null, next_run_at: isoAt(fakeNow), last_import_job_id: null,
      consecutive_failures: 0, created_at: expect.any(String), updated_at: expect.any(String), last_error: null,
    });
    expect((await api("GET", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey })).body).toEqual(put.body);
    const again = await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: { connector_id: src.connectorId, debounce_interval: "1d" } });
    expect(again.body).toMatchObject({ automation_id: put.body.automation_id, source_prefix: "", file_pattern: "*", recursive: true, debounce_interval: "1d", prompt_preset: null, backfill: false });
    expect((await api("DELETE", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey })).status).toBe(200);
    expect((await api("GET", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey })).status).toBe(404);
  });

  it("validates: interval, connector scope, preset prompt, unknown fields (422, field named, nothing stored)", async () => {
    const src = await source({});
    const exportOnly = (await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
      name: "out", bucket: src.bucket, region: emu.env.s3!.region, aws_access_key_id: emu.env.s3!.accessKeyId, aws_secret_access_key: emu.env.s3!.secretAccessKey,
      endpoint: emu.env.s3!.endpoint, scopes: ["export"],
    } })).body.connector_id;
    const indexId = await newIndex();
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ connector_id: src.connectorId, debounce_interval: "2m" }, 422, "validation_error", "debounce_interval"],
      [{ connector_id: src.connectorId }, 422, "validation_error", "debounce_interval"],
      [{ connector_id: exportOnly, debounce_interval: "5m" }, 422, "connector_scope_missing", "connector_id"],
      [{ connector_id: src.connectorId, debounce_interval: "5m", prompt_preset: { prompt_id: "prompt_00000000000000000000000000" } }, 422, "validation_error", "prompt_preset.prompt_id"],
      [{ connector_id: src.connectorId, debounce_interval: "5m", prompt_preset: { prompt_id: promptId, processing_model: "nope" } }, 422, "validation_error", "prompt_preset.processing_model"],
      [{ connector_id: src.connectorId, debounce_interval: "5m", schedule: "* * * * *" }, 422, "validation_error", ""],
    ];
    for (const [json, status, code, field] of cases) {
      const r = await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json });
      expect([r.status, r.body.error.code], JSON.stringify(json)).toEqual([status, code]);
      if (field) expect(JSON.stringify(r.body.error.details)).toContain(`"${field}"`);
    }
    expect(cases).toHaveLength(6);
    expect(await db.automation.count({ where: { indexId } })).toBe(0);
    const c = await api("PUT", `indexes/idx_00000000000000000000000000/automations/import`, { apiKey: w.apiKey, json: { connector_id: src.connectorId, debounce_interval: "5m" } });
    expect(c.status).toBe(404);
  });

  it("deleting the index removes its automation and prompt runs", async () => {
    const src = await source({});
    const indexId = await newIndex();
    const id = (await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: { connector_id: src.connectorId, debounce_interval: "1d" } })).body.automation_id;
    const run = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "index", index_id: indexId } } });
    await until("empty run done", async () => (await db.promptRun.findUnique({ where: { id: run.body.run_id } }))?.status === "completed");
    expect((await api("DELETE", `indexes/${indexId}`, { apiKey: w.apiKey })).status).toBe(200);
    expect(await db.automation.count({ where: { id } })).toBe(0);
    expect(await db.promptRun.count({ where: { indexId } })).toBe(0);
  });
});

describe("import automation behaviour (clock driven)", () => {
  it("backfill off: present files are baseline; a new file is imported on the next due scan and processed with the preset; rescans import nothing", async () => {
    const src = await source({ "in/old.mp4": fixture("clip.mp4"), "in/old.png": fixture("still.png") });
    const indexId = await newIndex();
    const put = await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: {
      connector_id: src.connectorId, source_prefix: "in/", debounce_interval: "5m", prompt_preset: { prompt_id: promptId, video_segment_duration: 1 },
    } });
    const id = put.body.automation_id;

    // First due scan: the baseline. Nothing imported.
    await tickClaims(id);
    await until("baseline", async () => (await db.automation.findUnique({ where: { id } }))?.baselineDone);
    expect(await db.automationSeenFile.count({ where: { automationId: id } })).toBe(2);
    expect(await db.importJob.count({ where: { automationId: id } })).toBe(0);
    const afterFirst = (await api("GET", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey })).body;
    expect(afterFirst.last_triggered_at).toBe(isoAt(fakeNow));
    expect(afterFirst.next_run_at).toBe(isoAt(fakeNow + 5 * 60_000));

    // A file arrives. Not due yet: a tick a minute later claims nothing.
    await src.put("in/new.mp4", fixture("clip.mp4"));
    advance(60_000);
    expect(await tickAutomations()).not.toContain(id);
    advance(5 * 60_000);
    await tickClaims(id);
    const a = await until("automation job", async () => (await db.automation.findUnique({ where: { id } }))?.lastImportJobId);
    const job = await waitForJob(w.apiKey, a);
    expect(job).toMatchObject({ status: "completed", automation_id: id, import_mode: "new_only", progress: { total_files: 1, imported: 1, failed: 0, skipped: 0 } });
    const video = (await api("GET", `videos/${job.video_ids[0]}`, { apiKey: w.apiKey })).body;
    expect(video.source.path).toBe("in/new.mp4");

    // The preset's run starts over what the job imported, and its id is on the job.
    const runId = await until("preset run", async () => (await api("GET", `import-jobs/${a}`, { apiKey: w.apiKey })).body.prompt_run_id);
    // Seen twice (the hook and the scheduler's sweep, or two workers): still one run.
    const jobRow = (await db.importJob.findUnique({ where: { id: a } }))!;
    expect(await Promise.all([startPresetRun({ ...jobRow, promptRunId: null }), startPresetRun({ ...jobRow, promptRunId: null })])).toEqual([null, null]);
    expect(await db.promptRun.count({ where: { automationId: id } })).toBe(1);
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: "completed", prompt_id: promptId, index_id: indexId, video_count: 1, automation_id: id, import_job_id: a, target_type: "videos", video_segment_duration: 1 });
    const results = (await api("GET", `prompt-runs/${runId}/results`, { apiKey: w.apiKey })).body.data;
    expect(results.map((r: { video_id: string }) => r.video_id)).toEqual([video.video_id]);

    // Rescans import nothing new.
    for (let i = 0; i < 2; i++) {
      advance(5 * 60_000);
      await tickClaims(id);
      await until("rescan", async () => (await db.automation.findUnique({ where: { id } }))?.scanLeaseUntil === null && (await db.automation.findUnique({ where: { id } }))!.lastTriggeredAt!.getTime() === fakeNow);
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(await db.importJob.count({ where: { automationId: id } })).toBe(1);
    expect(await db.video.count({ where: { indexId } })).toBe(1);
    expect((await scanAutomation(id)).result).toBe("no_new_files");
  }, 120_000);

  it("backfill on imports what is present; pausing stops scans; resume clears the reason and scans again", async () => {
    const src = await source({ "a.png": fixture("still.png") });
    const indexId = await newIndex();
    const id = (await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: { connector_id: src.connectorId, debounce_interval: "1h", backfill: true } })).body.automation_id;
    await tickClaims(id);
    const jobId = await until("job", async () => (await db.automation.findUnique({ where: { id } }))?.lastImportJobId);
    expect((await waitForJob(w.apiKey, jobId)).progress.imported).toBe(1);

    const paused = await api("POST", `indexes/${indexId}/automations/import/pause`, { apiKey: w.apiKey });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, paused_reason: "paused by request", next_run_at: null });
    await src.put("b.png", fixture("still.png"));
    advance(2 * 3600_000);
    expect(await tickAutomations()).not.toContain(id);
    expect((await scanAutomation(id)).result).toBe("skipped");
    expect(await db.importJob.count({ where: { automationId: id } })).toBe(1);

    const resumed = await api("POST", `indexes/${indexId}/automations/import/resume`, { apiKey: w.apiKey });
    expect(resumed.body).toMatchObject({ paused: false, paused_reason: null, consecutive_failures: 0, next_run_at: isoAt(fakeNow) });
    await tickClaims(id);
    await until("second job", async () => (await db.importJob.count({ where: { automationId: id } })) === 2);
    const second = (await db.automation.findUnique({ where: { id } }))!.lastImportJobId!;
    expect((await waitForJob(w.apiKey, second)).progress).toMatchObject({ total_files: 1, imported: 1 });
  }, 120_000);

  it(`pauses itself after ${MAX_CONSECUTIVE_FAILURES} consecutive failed scans, with paused_reason`, async () => {
    const src = await source({});
    const indexId = await newIndex();
    const id = (await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: { connector_id: src.connectorId, debounce_interval: "5m", backfill: true } })).body.automation_id;
    // The bucket goes away: every listing fails with bucket_not_found.
    await db.connector.update({ where: { id: src.connectorId }, data: { bucket: `${src.bucket}-gone` } });
    for (let i = 1; i <= MAX_CONSECUTIVE_FAILURES; i++) {
      const out = await scanAutomation(id);
      expect(out).toMatchObject({ result: "failed", paused: i === MAX_CONSECUTIVE_FAILURES });
    }
    const a = (await api("GET", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey })).body;
    expect(a).toMatchObject({ paused: true, consecutive_failures: MAX_CONSECUTIVE_FAILURES, paused_reason: expect.stringMatching(/^paused after 5 consecutive failed scans; last error: bucket_not_found/) });
    expect((await scanAutomation(id)).result).toBe("skipped");
    const resumed = (await api("POST", `indexes/${indexId}/automations/import/resume`, { apiKey: w.apiKey })).body;
    expect(resumed).toMatchObject({ paused: false, paused_reason: null, consecutive_failures: 0 });
  });

  it("two worker processes scanning the same automation at once create one job; every file imported once", async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 60; i++) files[`race/f-${String(i).padStart(3, "0")}.png`] = fixture("still.png");
    const src = await source(files);
    const indexId = await newIndex();
    const id = (await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: { connector_id: src.connectorId, debounce_interval: "5m", backfill: true } })).body.automation_id;
    const scan = () => new Promise<string>((resolve, reject) => {
      const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["tests/helpers/scan-once.ts", id], { cwd: ROOT, env: { ...process.env, GANTRY_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`scan process exited ${code}`))));
    });
    const outcomes = (await Promise.all([scan(), scan()])).map((o) => JSON.parse(o.split("\n").at(-1)!));
    expect(outcomes.filter((o) => o.result === "job_started")).toHaveLength(1);
    expect(await db.importJob.count({ where: { automationId: id } })).toBe(1);
    const jobId = outcomes.find((o) => o.result === "job_started").jobId;
    const job = await waitForJob(w.apiKey, jobId, 90_000);
    expect(job.progress).toMatchObject({ total_files: 60, imported: 60, failed: 0 });
    const paths = await db.video.findMany({ where: { indexId }, select: { sourcePath: true } });
    expect(paths).toHaveLength(60);
    expect(new Set(paths.map((p) => p.sourcePath)).size).toBe(60);
  }, 120_000);

  it("end to end: an automation's import → its preset prompt run → the export automation delivers that run to a connector", async () => {
    const s3 = emu.env.s3!;
    const src = await source({ "e2e/a.png": fixture("still.png") });
    const out = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
      name: "out", bucket: src.bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey,
      endpoint: s3.endpoint, scopes: ["export"], export_base_path: "results",
    } });
    expect(out.status).toBe(201);
    const indexId = await newIndex();
    const exp = await api("PUT", `indexes/${indexId}/automations/export`, { apiKey: w.apiKey, json: { enabled: true, paused: false, destination_connector_id: out.body.connector_id, destination_subpath: "daily", format: "jsonl" } });
    expect(exp.status).toBe(200);
    const id = (await api("PUT", `indexes/${indexId}/automations/import`, { apiKey: w.apiKey, json: {
      connector_id: src.connectorId, source_prefix: "e2e/", debounce_interval: "5m", backfill: true, prompt_preset: { prompt_id: promptId },
    } })).body.automation_id;
    await tickClaims(id);
    const jobId = await until("job", async () => (await db.automation.findUnique({ where: { id } }))?.lastImportJobId);
    const runId = await until("run", async () => (await api("GET", `import-jobs/${jobId}`, { apiKey: w.apiKey })).body.prompt_run_id);
    expect((await waitForRun(runId)).status).toBe("completed");
    const exported = await until("export", async () => {
      const list = (await api("GET", "exports", { apiKey: w.apiKey })).body as { export_id: string; status: string; prompt_run_ids?: string[]; target_id: string; destination_uri: string | null }[];
      const mine = list.filter((e) => e.target_id === runId || e.prompt_run_ids?.includes(runId));
      return mine.length && mine.every((e) => e.status === "completed") ? mine : null;
    });
    expect(exported).toHaveLength(1);
    expect(exported[0].destination_uri).toMatch(new RegExp(`results/daily/${exported[0].export_id}\\.jsonl$`));
  }, 120_000);
});
