import { env } from "@/lib/config/env";
import type { Video } from "@/lib/generated/prisma/client";
import { validateAgainst } from "@/lib/prompts/json-schema";
import { describe } from "./probe";
import { fixedSegments } from "./segments";
import type { ExtractionEngine, RunSpec, SegmentOutcome, VideoOutcome } from "./types";
import { TransientEngineError } from "./types";

// An OpenAI-compatible chat-completions engine (GANTRY_LLM_BASE_URL, GANTRY_LLM_API_KEY, GANTRY_LLM_MODEL).
// Each segment is one request asking for structured output shaped by the prompt's json_schema
// (response_format json_schema, strict); the answer is parsed and validated against that schema with
// ajv, and a segment whose answer does not validate fails with the validator's message. The base URL
// is operator configuration (not user input), so it does not go through the outbound guard.
export const openAiEngine: ExtractionEngine = {
  name: "openai",
  async processVideo(video: Video, spec: RunSpec, signal: AbortSignal): Promise<VideoOutcome> {
    const facts = (video.metadata ?? null) as Record<string, unknown> | null;
    const context = {
      title: video.title,
      media_type: video.mediaType,
      duration_seconds: video.durationSeconds,
      technical_description: describe(video, facts),
      media_facts: facts,
    };
    const segments: SegmentOutcome[] = [];
    for (const s of fixedSegments(video.durationSeconds, spec.segmentDuration)) {
      const user = { video: context, segment: { start_time: s.start, end_time: s.end }, transcription: null };
      const answer = await complete(spec, spec.promptText, user, spec.jsonSchema, "segment_result", signal);
      segments.push(answer.ok
        ? { ...s, status: "completed", data: answer.value, error: null }
        : { ...s, status: "failed", data: null, error: answer.error });
    }
    const done = segments.filter((s) => s.status === "completed");
    if (!done.length) return { videoResult: null, segments, error: `every segment failed: ${segments[0]?.error ?? "no segments"}` };

    const base = { engine: "openai", model: spec.model, segmentation: "fixed", segment_count: segments.length };
    if (!spec.videoLevel) return { videoResult: base, segments, error: null };
    const fields = spec.videoLevel.included_segment_fields;
    const summaryInput = {
      video: context,
      segments: done.map((s) => ({ start_time: s.start, end_time: s.end, data: fields?.length ? pickFields(s.data!, fields) : s.data })),
    };
    const schema = spec.videoLevel.json_schema ?? { type: "object" };
    const answer = await complete(spec, spec.videoLevel.instructions_text, summaryInput, schema, "video_result", signal);
    if (!answer.ok) return { videoResult: null, segments, error: `video-level result: ${answer.error}` };
    return { videoResult: { ...base, result: answer.value }, segments, error: null };
  },
};

function pickFields(data: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => f in data).map((f) => [f, data[f]]));
}

type Answer = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

async function complete(
  spec: RunSpec, system: string, user: unknown, schema: Record<string, unknown>, name: string, signal: AbortSignal,
): Promise<Answer> {
  const e = env();
  if (!e.GANTRY_LLM_BASE_URL) throw new Error("the OpenAI-compatible engine is not configured (GANTRY_LLM_BASE_URL)");
  const url = `${e.GANTRY_LLM_BASE_URL.replace(/\/+$/, "")}/chat/completions`;
  const body = {
    model: spec.model ?? e.GANTRY_LLM_MODEL,
    messages: [
      { role: "system", content: system },
      { role: "user", content: JSON.stringify(user) },
    ],
    response_format: { type: "json_schema", json_schema: { name, schema, strict: true } },
  };
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(e.GANTRY_LLM_API_KEY ? { authorization: `Bearer ${e.GANTRY_LLM_API_KEY}` } : {}) },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(e.GANTRY_LLM_TIMEOUT_MS)]),
    });
  } catch (err) {
    throw new TransientEngineError(`engine request failed: ${(err as Error).name === "TimeoutError" ? "timed out" : (err as Error).message}`);
  }
  const text = await res.text().catch(() => "");
  if (res.status === 429 || res.status >= 500) throw new TransientEngineError(`engine answered HTTP ${res.status}`);
  if (!res.ok) return { ok: false, error: `engine answered HTTP ${res.status}: ${text.slice(0, 200)}` };
  let content: unknown;
  try {
    const parsed = JSON.parse(text) as { choices?: { message?: { content?: unknown; refusal?: unknown } }[] };
    const msg = parsed.choices?.[0]?.message;
    if (msg?.refusal) return { ok: false, error: `the model refused: ${String(msg.refusal).slice(0, 200)}` };
    content = typeof msg?.content === "string" ? JSON.parse(msg.content) : undefined;
  } catch {
    return { ok: false, error: "the engine's answer is not valid JSON" };
  }
  if (typeof content !== "object" || content === null || Array.isArray(content)) {
    return { ok: false, error: "the engine's answer is not a JSON object" };
  }
  const problems = validateAgainst(schema, content);
  if (problems.length) return { ok: false, error: `output does not match json_schema: ${problems.join("; ")}`.slice(0, 1000) };
  return { ok: true, value: content as Record<string, unknown> };
}
