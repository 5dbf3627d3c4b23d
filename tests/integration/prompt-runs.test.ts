import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type ApiResponse } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { useStorageEmulators, type StorageEmulators } from "../helpers/emulators";
import { fixture, waitForJob } from "../helpers/imports";
import { startLlmServer } from "../helpers/llm-server";
import { seedS3, uniqueName } from "../helpers/storage-seed";
import { resetEnvCache } from "@/lib/config/env";
import { db } from "@/lib/db";
import "@/lib/jobs/all";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker";

let emu: StorageEmulators;
let worker: RunningWorker;
let llm: Awaited<ReturnType<typeof startLlmServer>>;
let w: Awaited<ReturnType<typeof newWorkspace>>;
let indexId: string;
let videos: { video_id: string; media_type: string; duration_seconds: number | null; source: { path: string } }[];

const SCHEMA = {
  type: "object",
  properties: { mood: { type: "string", enum: ["calm", "tense"] }, people: { type: "integer", minimum: 0 } },
  required: ["mood", "people"],
  additionalProperties: false,
};

async function waitForRun(runId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api("GET", `prompt-runs/${runId}`, { apiKey: w.apiKey });
    if (["completed", "completed_with_failures", "failed", "cancelled"].includes(r.body.status)) return r.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${r.body.status}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function allResults(runId: string) {
  const out = [];
  let cursor: string | null = null;
  do {
    const r: ApiResponse = await api("GET", `prompt-runs/${runId}/results?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { apiKey: w.apiKey });
    expect(r.status).toBe(200);
    out.push(...r.body.data);
    cursor = r.body.pagination.next_cursor;
  } while (cursor);
  return out;
}

async function newPrompt(extra: Record<string, unknown> = {}) {
  const r = await api("POST", "prompts", { apiKey: w.apiKey, json: { name: "Mood", prompt_text: "Describe the mood.", json_schema: SCHEMA, ...extra } });
  expect(r.status).toBe(201);
  return r.body.prompt_id as string;
}

beforeAll(async () => {
  emu = await useStorageEmulators(["s3"]);
  llm = await startLlmServer(() => ({ content: JSON.stringify({ mood: "calm", people: 2 }) }));
  process.env.GANTRY_LLM_BASE_URL = llm.baseUrl;
  process.env.GANTRY_LLM_API_KEY = "sk-test-llm-key";
  process.env.GANTRY_LLM_MODEL = "test-model-1";
  process.env.GANTRY_PROMPT_RUN_CONCURRENCY = "2";
  process.env.GANTRY_PROMPT_RUN_RETRY_BASE_MS = "100";
  resetEnvCache();
  worker = await startWorker({ concurrency: 4, pollingIntervalSeconds: 0.3 });
  w = await newWorkspace();
  const s3 = emu.env.s3!;
  const bucket = uniqueName("runs").toLowerCase();
  await seedS3(s3, bucket, { "m/clip.mp4": fixture("clip.mp4"), "m/tone.mp3": fixture("tone.mp3"), "m/still.png": fixture("still.png") });
  const c = await api("POST", "connectors/s3", { apiKey: w.apiKey, json: {
    name: "src", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey, endpoint: s3.endpoint,
  } });
  indexId = (await api("POST", "indexes", { apiKey: w.apiKey, json: { name: "runs" } })).body.index_id;
  const job = await api("POST", "import-jobs", { apiKey: w.apiKey, json: { connector_id: c.body.connector_id, index_id: indexId, source_prefix: "m/" } });
  expect((await waitForJob(w.apiKey, job.body.job_id)).progress.imported).toBe(3);
  videos = (await api("GET", `indexes/${indexId}/videos`, { apiKey: w.apiKey })).body.data;
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await llm?.close();
  await emu?.stop();
  for (const k of ["GANTRY_LLM_BASE_URL", "GANTRY_LLM_API_KEY", "GANTRY_LLM_MODEL", "GANTRY_PROMPT_RUN_CONCURRENCY", "GANTRY_PROMPT_RUN_RETRY_BASE_MS"]) delete process.env[k];
  resetEnvCache();
});

describe("prompts", () => {
  it("CRUD with the whole object, newest first, full replacement on PUT", async () => {
    const created = await api("POST", "prompts", { apiKey: w.apiKey, json: {
      name: "Scenes", description: "per scene", prompt_text: "List the scenes.", json_schema: SCHEMA,
      video_level: { instructions_text: "Summarise.", included_segment_fields: ["mood"], json_schema: { type: "object", properties: { summary: { type: "string" } } } },
    } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      prompt_id: expect.stringMatching(/^prompt_[0-9a-z]{26}$/), name: "Scenes", description: "per scene", prompt_text: "List the scenes.",
      json_schema: SCHEMA, video_level: { instructions_text: "Summarise.", included_segment_fields: ["mood"], json_schema: { type: "object", properties: { summary: { type: "string" } } } },
      is_active: true, created_at: expect.any(String), updated_at: expect.any(String),
    });
    const id = created.body.prompt_id;
    const second = await newPrompt();
    const list = await api("GET", "prompts", { apiKey: w.apiKey });
    expect(list.status).toBe(200);
    expect(list.body.map((p: { prompt_id: string }) => p.prompt_id).slice(0, 2)).toEqual([second, id]);

    const put = await api("PUT", `prompts/${id}`, { apiKey: w.apiKey, json: { name: "Scenes 2", prompt_text: "Again.", json_schema: { type: "object" }, is_active: false } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: "Scenes 2", description: null, video_level: null, is_active: false, json_schema: { type: "object" } });
    expect((await api("GET", `prompts/${id}`, { apiKey: w.apiKey })).body).toEqual(put.body);

    expect((await api("DELETE", `prompts/${id}`, { apiKey: w.apiKey })).status).toBe(200);
    const gone = await api("GET", `prompts/${id}`, { apiKey: w.apiKey });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("prompt_not_found");
    const other = await newWorkspace();
    expect((await api("GET", `prompts/${second}`, { apiKey: other.apiKey })).status).toBe(404);
  });

  it.each([
    ["a root that is not an object", { type: "array", items: { type: "string" } }, "json_schema.type"],
    ["no type at all", { properties: {} }, "json_schema.type"],
    ["an invalid keyword value", { type: "object", properties: { a: { type: "no-such-type" } } }, "json_schema"],
    ["a non-object schema", "nope", "json_schema"],
  ])("rejects a json_schema with %s (422, field named, nothing stored)", async (_what, schema, field) => {
    const before = await db.prompt.count({ where: { workspaceId: w.workspaceId } });
    const r = await api("POST", "prompts", { apiKey: w.apiKey, json: { name: "bad", prompt_text: "x", json_schema: schema } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("validation_error");
    expect(r.body.error.details.fields[0].field.startsWith(field)).toBe(true);
    expect(await db.prompt.count({ where: { workspaceId: w.workspaceId } })).toBe(before);
  });

  it("rejects an invalid video_level schema and unknown fields", async () => {
    const r = await api("POST", "prompts", { apiKey: w.apiKey, json: { name: "b", prompt_text: "x", json_schema: SCHEMA, video_level: { instructions_text: "s", json_schema: { type: "string" } } } });
    expect(r.status).toBe(422);
    expect(r.body.error.details.fields[0].field).toBe("video_level.json_schema.type");
    const u = await api("POST", "prompts", { apiKey: w.apiKey, json: { name: "b", prompt_text: "x", json_schema: SCHEMA, owner: "me" } });
    expect(u.status).toBe(422);
  });
});

describe("prompt runs with the probe engine", () => {
  it("runs over the whole index: per-video technical description and fixed segments, paged results", async () => {
    const promptId = await newPrompt();
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "index", index_id: indexId }, video_segment_duration: 1 } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ run_id: expect.stringMatching(/^run_/), prompt_id: promptId, index_id: indexId, processing_model: "probe", engine: "probe", video_count: 3, target_type: "index" });
    expect(["pending", "processing"]).toContain(r.body.status);
    const run = await waitForRun(r.body.run_id);
    expect(run).toMatchObject({ status: "completed", video_count: 3, completed_videos: 3, failed_videos: 0 });
    expect(run.started_at).not.toBeNull();
    expect(run.completed_at).not.toBeNull();

    const results = await allResults(run.run_id);
    expect(results.map((x) => x.video_id).sort()).toEqual(videos.map((v) => v.video_id).sort());
    for (const res of results) {
      const v = videos.find((x) => x.video_id === res.video_id)!;
      expect(res).toMatchObject({ status: "completed", engine: "probe", error: null });
      expect(res.video_result).toMatchObject({ engine: "probe", media_type: v.media_type, description: expect.any(String) });
      if (v.duration_seconds) {
        expect(res.segments).toHaveLength(Math.ceil(v.duration_seconds - 1e-9));
        expect(res.segments[0]).toMatchObject({ segment_index: 0, start_time: 0, status: "completed" });
        expect(res.segments[0].end_time).toBeCloseTo(Math.min(1, v.duration_seconds), 3);
        expect(res.segments.at(-1).end_time).toBeCloseTo(v.duration_seconds, 3);
        for (const s of res.segments) expect(s.data).toMatchObject({ engine: "probe", start_time: s.start_time, end_time: s.end_time });
      } else {
        expect(res.segments).toEqual([expect.objectContaining({ start_time: 0, end_time: 0, status: "completed" })]);
      }
    }
    const mp4 = results.find((x) => videos.find((v) => v.video_id === x.video_id)!.source.path === "m/clip.mp4")!;
    expect(mp4.video_result.description).toMatch(/\d+x\d+ h264 video/);

    const listed = await api("GET", `indexes/${indexId}/prompt-runs`, { apiKey: w.apiKey });
    expect(listed.status).toBe(200);
    expect(listed.body.data[0].run_id).toBe(run.run_id);
    const events = await db.event.findMany({ where: { workspaceId: w.workspaceId, data: { path: ["run_id"], equals: run.run_id } }, select: { type: true } });
    const types = events.map((e) => e.type);
    expect(types).toContain("prompt_run.started");
    expect(types.filter((t) => t === "prompt_run.completed")).toHaveLength(1);
    expect(types.filter((t) => t === "media.processing.completed")).toHaveLength(3);
  });

  it("a videos target: only those videos; a missing or foreign video is refused with the field", async () => {
    const promptId = await newPrompt();
    const one = videos[0].video_id;
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId, video_ids: [one, one] } } });
    expect(r.status).toBe(202);
    const run = await waitForRun(r.body.run_id);
    expect(run).toMatchObject({ status: "completed", video_count: 1, completed_videos: 1 });
    const bad = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId, video_ids: [one, "vid_00000000000000000000000000"] } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.fields[0]).toEqual({ field: "target.video_ids", message: expect.stringContaining("vid_00000000000000000000000000") });
    const none = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId } } });
    expect(none.status).toBe(422);
    expect(none.body.error.details.fields[0].field).toBe("target.video_ids");
    const model = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "index", index_id: indexId }, processing_model: "gpt-nope" } });
    expect(model.status).toBe(422);
    expect(model.body.error.details.fields[0]).toEqual({ field: "processing_model", message: expect.stringContaining("probe") });
    const missing = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: "prompt_00000000000000000000000000", target: { type: "index", index_id: indexId } } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("prompt_not_found");
    expect(await db.promptRun.count({ where: { workspaceId: w.workspaceId, promptId } })).toBe(1);
  });

  it("cancel: a finished run answers 409 invalid_state_transition; an unknown run 404", async () => {
    const promptId = await newPrompt();
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "index", index_id: indexId } } });
    await waitForRun(r.body.run_id);
    const again = await api("POST", `prompt-runs/${r.body.run_id}/cancel`, { apiKey: w.apiKey });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("invalid_state_transition");
    expect((await api("GET", "prompt-runs/run_00000000000000000000000000", { apiKey: w.apiKey })).status).toBe(404);
  });
});

describe("prompt runs with the OpenAI-compatible engine", () => {
  it("asks for structured output shaped by json_schema, validates it, builds the video-level result", async () => {
    llm.setBehaviour((req) => (req.response_format.json_schema.name === "video_result"
      ? { content: JSON.stringify({ summary: "two calm people" }) }
      : { content: JSON.stringify({ mood: "calm", people: 2 }) }));
    const promptId = await newPrompt({ video_level: { instructions_text: "Summarise the video.", included_segment_fields: ["mood"], json_schema: { type: "object", properties: { summary: { type: "string" } }, required: ["summary"] } } });
    const before = llm.requests.length;
    const video = videos.find((v) => v.source.path === "m/clip.mp4")!;
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId, video_ids: [video.video_id] }, processing_model: "llm", video_segment_duration: 1 } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ processing_model: "llm", engine: "openai" });
    const run = await waitForRun(r.body.run_id);
    expect(run).toMatchObject({ status: "completed", completed_videos: 1 });
    const [res] = await allResults(run.run_id);
    const segments = Math.ceil(video.duration_seconds! - 1e-9);
    expect(res.segments).toHaveLength(segments);
    for (const s of res.segments) expect(s).toMatchObject({ status: "completed", data: { mood: "calm", people: 2 }, error: null });
    expect(res.video_result).toEqual({ engine: "openai", model: "test-model-1", segmentation: "fixed", segment_count: segments, result: { summary: "two calm people" } });

    const sent = llm.requests.slice(before);
    expect(sent).toHaveLength(segments + 1);
    expect(sent[0].auth).toBe("Bearer sk-test-llm-key");
    expect(sent[0].body.model).toBe("test-model-1");
    expect(sent[0].body.response_format).toEqual({ type: "json_schema", json_schema: { name: "segment_result", schema: SCHEMA, strict: true } });
    expect(sent[0].body.messages[0]).toEqual({ role: "system", content: "Describe the mood." });
    expect(JSON.parse(sent[0].body.messages[1].content).segment).toEqual({ start_time: 0, end_time: 1 });
    const summaryInput = JSON.parse(sent.at(-1)!.body.messages[1].content);
    expect(summaryInput.segments[0].data).toEqual({ mood: "calm" }); // included_segment_fields
  });

  it("output that does not match the schema fails that segment with the validator's message; all failed → video failed, run failed", async () => {
    llm.setBehaviour((_req, n) => ({ content: JSON.stringify(n % 2 ? { mood: "angry", people: 1 } : { mood: "calm", people: 1 }) }));
    const promptId = await newPrompt();
    const video = videos.find((v) => v.source.path === "m/clip.mp4")!;
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId, video_ids: [video.video_id] }, processing_model: "test-model-1", video_segment_duration: 1 } });
    const run = await waitForRun(r.body.run_id);
    const [res] = await allResults(run.run_id);
    const failed = res.segments.filter((s: { status: string }) => s.status === "failed");
    const ok = res.segments.filter((s: { status: string }) => s.status === "completed");
    expect(failed.length + ok.length).toBe(res.segments.length);
    for (const s of failed) expect(s).toMatchObject({ data: null, error: expect.stringMatching(/^output does not match json_schema: \/mood must be equal to one of the allowed values/) });
    if (ok.length) expect(run.status).toBe("completed");

    llm.setBehaviour(() => ({ content: "{\"mood\": 3}" }));
    const r2 = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId, video_ids: [video.video_id] }, processing_model: "llm" } });
    const run2 = await waitForRun(r2.body.run_id);
    expect(run2).toMatchObject({ status: "failed", failed_videos: 1, completed_videos: 0 });
    const [res2] = await allResults(run2.run_id);
    expect(res2).toMatchObject({ status: "failed", video_result: null, error: expect.stringContaining("every segment failed") });
  });

  it("a transient engine error (HTTP 503) is retried for that video; some videos failing → completed_with_failures", async () => {
    let calls = 0;
    llm.setBehaviour((req) => {
      const user = JSON.parse(req.messages[1].content);
      if (user.video.media_type === "image") return { status: 400 }; // permanent: fails the image
      calls++;
      return calls === 1 ? { status: 503 } : { content: JSON.stringify({ mood: "tense", people: 0 }) };
    });
    const promptId = await newPrompt();
    const audio = videos.find((v) => v.media_type === "audio")!;
    const image = videos.find((v) => v.media_type === "image")!;
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId, video_ids: [audio.video_id, image.video_id] }, processing_model: "llm", video_segment_duration: 60 } });
    const run = await waitForRun(r.body.run_id, 90_000);
    expect(run).toMatchObject({ status: "completed_with_failures", video_count: 2, completed_videos: 1, failed_videos: 1 });
    const results = await allResults(run.run_id);
    const a = results.find((x) => x.video_id === audio.video_id)!;
    expect(a).toMatchObject({ status: "completed", attempts: 2 });
    const i = results.find((x) => x.video_id === image.video_id)!;
    expect(i).toMatchObject({ status: "failed", attempts: 1, error: expect.stringContaining("HTTP 400") });
    const types = (await db.event.findMany({ where: { workspaceId: w.workspaceId, data: { path: ["run_id"], equals: run.run_id } }, select: { type: true } })).map((e) => e.type);
    expect(types).toContain("prompt_run.partial_completed");
    expect(types).toContain("media.processing.failed");
  }, 120_000);
});

describe("prompt runs: cancel and crash takeover", () => {
  it("cancelling a processing run: status cancelled at once, pending videos cancelled, no more engine calls for them", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    llm.setBehaviour(async () => {
      await gate;
      return { content: JSON.stringify({ mood: "calm", people: 1 }) };
    });
    const promptId = await newPrompt();
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "index", index_id: indexId }, processing_model: "llm", video_segment_duration: 60 } });
    const runId = r.body.run_id;
    const deadline = Date.now() + 20_000;
    // GANTRY_PROMPT_RUN_CONCURRENCY=2: two videos in flight (held at the engine), the third pending.
    while ((await db.promptRunVideo.count({ where: { runId, status: "processing" } })) < 2) {
      if (Date.now() > deadline) throw new Error("videos did not start");
      await new Promise((res) => setTimeout(res, 100));
    }
    const cancelled = await api("POST", `prompt-runs/${runId}/cancel`, { apiKey: w.apiKey });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect(cancelled.body.completed_at).not.toBeNull();
    const before = llm.requests.length;
    release();
    await new Promise((res) => setTimeout(res, 1500));
    const rows = await db.promptRunVideo.findMany({ where: { runId } });
    expect(rows.filter((v) => v.status === "cancelled")).toHaveLength(1);
    expect(rows.filter((v) => v.status === "completed")).toHaveLength(2); // in flight at the cancel: they finish
    expect(rows.filter((v) => v.status === "pending" || v.status === "processing")).toHaveLength(0);
    expect(llm.requests.length).toBe(before); // nothing new was asked after the cancel
    expect((await api("GET", `prompt-runs/${runId}`, { apiKey: w.apiKey })).body.status).toBe("cancelled");
    expect(await db.event.count({ where: { type: "prompt_run.cancelled", data: { path: ["run_id"], equals: runId } } })).toBe(1);
  });

  it("a video whose runner died is taken over after its lease; the dead runner's late answer changes nothing", async () => {
    let first = true;
    let releaseFirst!: () => void;
    const firstGate = new Promise<void>((r) => (releaseFirst = r));
    llm.setBehaviour(async () => {
      if (first) {
        first = false;
        await firstGate; // the "dead" runner: stuck until we let it answer, long after the takeover
        return { content: JSON.stringify({ mood: "tense", people: 99 }) };
      }
      return { content: JSON.stringify({ mood: "calm", people: 3 }) };
    });
    const promptId = await newPrompt();
    const video = videos.find((v) => v.media_type === "audio")!;
    const r = await api("POST", "prompt-runs/execute", { apiKey: w.apiKey, json: { prompt_id: promptId, target: { type: "videos", index_id: indexId, video_ids: [video.video_id] }, processing_model: "llm", video_segment_duration: 60 } });
    const runId = r.body.run_id;
    const deadline = Date.now() + 20_000;
    while ((await db.promptRunVideo.count({ where: { runId, status: "processing" } })) === 0) {
      if (Date.now() > deadline) throw new Error("no video started");
      await new Promise((res) => setTimeout(res, 100));
    }
    // The lease runs out (as if the worker had been SIGKILLed): backdate the claim.
    await db.promptRunVideo.updateMany({ where: { runId }, data: { claimedAt: new Date(Date.now() - 3_600_000) } });
    const run = await waitForRun(runId, 30_000);
    expect(run).toMatchObject({ status: "completed", completed_videos: 1, failed_videos: 0 });
    releaseFirst();
    await new Promise((res) => setTimeout(res, 1000));
    const [res] = await allResults(runId);
    expect(res.attempts).toBe(2);
    expect(res.segments.map((s: { data: unknown }) => s.data)).toEqual(res.segments.map(() => ({ mood: "calm", people: 3 })));
    expect(await db.event.count({ where: { type: "prompt_run.completed", data: { path: ["run_id"], equals: runId } } })).toBe(1);
  }, 60_000);
});

describe("prompt runs: workers without the engine's configuration", () => {
  it("claim nothing and leave the videos to a configured worker; after the wait the run fails with the reason", async () => {
    const { runPromptRun } = await import("@/lib/prompt-runs/jobs");
    const { newId } = await import("@/lib/ids");
    const promptId = await newPrompt();
    const runId = newId("run");
    await db.promptRun.create({ data: {
      id: runId, workspaceId: w.workspaceId, promptId, indexId, status: "processing", processingModel: "llm", engine: "openai",
      promptSnapshot: { promptText: "x", jsonSchema: SCHEMA, videoLevel: null, segmentDuration: 60, segmentationType: "fixed", enableTranscription: false, model: "test-model-1" },
      targetType: "videos", videoCount: 1, dispatchDone: true, startedAt: new Date(),
    } });
    await db.promptRunVideo.create({ data: { id: newId("res"), runId, videoId: videos[0].video_id } });
    const ctx = { jobId: "test", name: "prompt-runs.run", attempt: 1, isLastAttempt: false, signal: new AbortController().signal };
    const saved = process.env.GANTRY_LLM_BASE_URL;
    delete process.env.GANTRY_LLM_BASE_URL;
    resetEnvCache();
    try {
      await runPromptRun.handler({ runId, slot: 0 }, ctx);
      expect(await db.promptRunVideo.findFirst({ where: { runId } })).toMatchObject({ status: "pending", attempts: 0 });
      expect((await db.promptRun.findUnique({ where: { id: runId } }))!.status).toBe("processing");

      await db.promptRun.update({ where: { id: runId }, data: { startedAt: new Date(Date.now() - 11 * 60_000) } });
      await runPromptRun.handler({ runId, slot: 0 }, ctx);
    } finally {
      process.env.GANTRY_LLM_BASE_URL = saved;
      resetEnvCache();
    }
    const run = (await api("GET", `prompt-runs/${runId}`, { apiKey: w.apiKey })).body;
    expect(run).toMatchObject({ status: "failed", failed_videos: 1, completed_videos: 0 });
    expect((await allResults(runId))[0].error).toMatch(/no worker has the OpenAI-compatible engine configured/);
  });
});
