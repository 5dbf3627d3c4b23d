import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { newWorkspace } from "../helpers/fixtures";
import { startReceiver, type Received } from "../helpers/webhook-receiver";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { recordEvent } from "@/lib/events/record-event";
import { EVENT_TYPES } from "@/lib/events/event-types";
import "@/lib/webhooks/jobs";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker";
import { attemptDelivery, retryDelayMs, sweepStalledDeliveries } from "@/lib/webhooks/deliver";
import { fanOut } from "@/lib/webhooks/fan-out";
import { postWebhook, verifySignature } from "@/lib/webhooks/send";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let worker: RunningWorker;
let w: Awaited<ReturnType<typeof newWorkspace>>;

beforeAll(async () => {
  receiver = await startReceiver();
  worker = await startWorker({ queues: ["webhooks.fan-out", "webhooks.deliver"], concurrency: 4, pollingIntervalSeconds: 0.1 });
}, 120_000);
// A workspace per test: the webhooks of one test never see another test's events.
beforeEach(async () => {
  w = await newWorkspace();
});
afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
});

const newIndex = async (apiKey = w.apiKey) => (await api("POST", "indexes", { apiKey, json: { name: "idx" } })).body.index_id as string;

async function createHook(body: Record<string, unknown>, apiKey = w.apiKey) {
  const res = await api("POST", "webhooks", { apiKey, json: { name: "hook", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { webhook_id: string; secret: string; [k: string]: unknown };
}

async function waitForDelivery(deliveryId: string, until: (d: any) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = (await api("GET", `webhooks/deliveries/${deliveryId}`, { apiKey: w.apiKey })).body;
    if (until(d)) return d;
    if (Date.now() > deadline) throw new Error(`delivery ${deliveryId} still ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An event and its pending delivery to one webhook, written directly: no queue job, only the test drives it. */
async function pendingDelivery(webhookId: string, type: (typeof EVENT_TYPES)[number], data: Record<string, unknown> = {}) {
  const eventId = newId("evt");
  await db.event.create({ data: { id: eventId, workspaceId: w.workspaceId, type, data: data as object } });
  const id = newId("dlv");
  await db.webhookDelivery.create({ data: { id, workspaceId: w.workspaceId, webhookId, eventId, eventType: type } });
  return id;
}

/** What the receiver must check: the signature over the raw bytes, the headers, and the envelope. */
function expectSigned(r: Received, secret: string, webhookId: string, eventType: string) {
  expect(verifySignature(secret, r.raw, r.headers["x-webhook-signature"] as string)).toBe(true);
  expect(r.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(r.headers["x-webhook-id"]).toBe(webhookId);
  expect(r.headers["x-event-type"]).toBe(eventType);
  expect(r.headers["content-type"]).toBe("application/json");
  expect(Object.keys(r.json).sort()).toEqual(["api_version", "created_at", "data", "event", "id"]);
  expect(r.json).toMatchObject({ id: r.headers["x-delivery-id"], event: eventType, api_version: "v2" });
  expect(r.json.id).toMatch(/^dlv_/);
  expect(r.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
}

describe("webhooks API (contract §7)", () => {
  it("creates a webhook, shows the secret once, and never again", async () => {
    const indexId = await newIndex();
    const res = await api("POST", "webhooks", { apiKey: w.apiKey, json: {
      name: "orders", url: receiver.url("/contract"), events: ["media.created", "import_job.completed", "media.created"],
      index_ids: [indexId], metadata: { team: "ingest" },
    } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      webhook_id: expect.stringMatching(/^wh_[0-9a-z]{26}$/), name: "orders", url: receiver.url("/contract"),
      events: ["media.created", "import_job.completed"], index_ids: [indexId], metadata: { team: "ingest" }, status: "active",
      failure_count: 0, last_failure_at: null, last_success_at: null,
      created_at: expect.stringMatching(/Z$/), updated_at: expect.stringMatching(/Z$/), secret: expect.stringMatching(/^whsec_[0-9a-f]{48}$/),
    });
    const { webhook_id: id, secret } = res.body;

    const one = await api("GET", `webhooks/${id}`, { apiKey: w.apiKey });
    expect(one.status).toBe(200);
    const { secret: _s, ...withoutSecret } = res.body;
    expect(one.body).toEqual(withoutSecret);
    const list = await api("GET", "webhooks", { apiKey: w.apiKey });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.body.find((x: { webhook_id: string }) => x.webhook_id === id)).toEqual(withoutSecret);
    for (const text of [one.text, list.text]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain("secret");
    }
    // at rest it is sealed, not stored in clear
    const row = await db.webhook.findUnique({ where: { id } });
    expect(row!.sealedSecret.startsWith("gse1.")).toBe(true);
    expect(row!.sealedSecret).not.toContain(secret);
  });

  it("an Idempotency-Key replay shows the same secret again, which is sealed in the stored response", async () => {
    const body = { name: "idem", url: receiver.url("/idem"), events: ["media.created"] };
    const headers = { "idempotency-key": `wh-${Date.now()}` };
    const first = await api("POST", "webhooks", { apiKey: w.apiKey, json: body, headers });
    const again = await api("POST", "webhooks", { apiKey: w.apiKey, json: body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await db.webhook.count({ where: { workspaceId: w.workspaceId } })).toBe(1);
    const stored = await db.idempotencyRecord.findFirstOrThrow({ where: { workspaceId: w.workspaceId, key: headers["idempotency-key"] } });
    expect(stored.responseBody!.startsWith("gse1.")).toBe(true);
    expect(stored.responseBody).not.toContain(first.body.secret);
  });

  it("defaults: index_ids null (every index), metadata {}", async () => {
    const hook = await createHook({ url: receiver.url("/defaults"), events: ["export.ready"] });
    expect(hook).toMatchObject({ index_ids: null, metadata: {}, status: "active" });
  });

  it("refuses bad input with 422 naming the field", async () => {
    const otherIndex = await newIndex((await newWorkspace()).apiKey);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ url: receiver.url("/x"), events: [] }, "events", "validation_error"],
      [{ url: receiver.url("/x"), events: ["media.deleted"] }, "events.0", "validation_error"],
      [{ url: receiver.url("/x") }, "events", "validation_error"],
      [{ url: "not a url", events: ["media.created"] }, "url", "validation_error"],
      [{ url: receiver.url("/x"), events: ["media.created"], secret: "mine" }, "secret", "validation_error"],
      [{ url: receiver.url("/x"), events: ["media.created"], index_ids: [] }, "index_ids", "validation_error"],
      [{ url: receiver.url("/x"), events: ["media.created"], index_ids: ["nope"] }, "index_ids.0", "validation_error"],
      // an index of another workspace is as unknown as a missing one
      [{ url: receiver.url("/x"), events: ["media.created"], index_ids: [otherIndex] }, "index_ids.0", "validation_error"],
      // outbound guard: private, metadata and plain-http-to-public addresses are refused unless allowlisted
      [{ url: "https://10.1.2.3/hook", events: ["media.created"] }, "url", "endpoint_not_allowed"],
      [{ url: "https://169.254.169.254/latest", events: ["media.created"] }, "url", "endpoint_not_allowed"],
      [{ url: "https://[::ffff:127.0.0.1]/hook", events: ["media.created"] }, "url", "endpoint_not_allowed"],
      [{ url: "http://93.184.216.34/hook", events: ["media.created"] }, "url", "endpoint_not_allowed"],
      [{ url: "ftp://127.0.0.1/hook", events: ["media.created"] }, "url", "endpoint_not_allowed"],
    ];
    for (const [body, field, code] of cases) {
      const res = await api("POST", "webhooks", { apiKey: w.apiKey, json: { name: "bad", ...body } });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code, JSON.stringify(body)).toBe(code);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field), JSON.stringify(body)).toContain(field);
    }
    expect(cases.length).toBe(13);
    expect(await db.webhook.count({ where: { workspaceId: w.workspaceId, name: "bad" } })).toBe(0);
  });

  it("PATCH updates fields, pauses and re-activates; immutable and unknown fields are refused", async () => {
    const hook = await createHook({ url: receiver.url("/patch"), events: ["media.created"] });
    const res = await api("PATCH", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey, json: {
      name: "renamed", events: ["export.failed"], metadata: { a: 1 }, status: "paused",
    } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "renamed", events: ["export.failed"], metadata: { a: 1 }, status: "paused" });
    expect(res.text).not.toContain("secret");
    for (const [body, field] of [[{ status: "disabled" }, "status"], [{ webhook_id: "wh_x" }, "webhook_id"], [{ url: "https://192.168.1.1/" }, "url"], [{ events: [] }, "events"]] as const) {
      const bad = await api("PATCH", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey, json: body });
      expect(bad.status, JSON.stringify(body)).toBe(422);
      expect(bad.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    // a disabled webhook (after failures) comes back with PATCH status active, its count reset
    await db.webhook.update({ where: { id: hook.webhook_id }, data: { status: "disabled", failureCount: 50 } });
    const back = await api("PATCH", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey, json: { status: "active" } });
    expect(back.body).toMatchObject({ status: "active", failure_count: 0 });
  });

  it("scopes: reads need read, writes write, DELETE admin; other workspaces see 404", async () => {
    const hook = await createHook({ url: receiver.url("/scopes"), events: ["media.created"] });
    const reader = await newWorkspace(["read"]);
    expect((await api("GET", "webhooks", { apiKey: reader.apiKey })).status).toBe(200);
    const searchOnly = await newWorkspace(["search"]);
    expect((await api("GET", "webhooks", { apiKey: searchOnly.apiKey })).status).toBe(403);
    const denied = await api("POST", "webhooks", { apiKey: reader.apiKey, json: { name: "x", url: receiver.url("/x"), events: ["media.created"] } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("authorization_insufficient_scope");

    const writer = await newWorkspace(["write"]);
    const own = await createHook({ url: receiver.url("/scopes"), events: ["media.created"] }, writer.apiKey);
    expect((await api("DELETE", `webhooks/${own.webhook_id}`, { apiKey: writer.apiKey })).status).toBe(403);
    expect((await api("POST", `webhooks/${own.webhook_id}/rotate-secret`, { apiKey: writer.apiKey })).status).toBe(200);

    // another workspace's webhook is indistinguishable from a missing one
    const foreign = await api("GET", `webhooks/${hook.webhook_id}`, { apiKey: writer.apiKey });
    const missing = await api("GET", `webhooks/wh_00000000000000000000000000`, { apiKey: writer.apiKey });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("webhook_not_found");
    expect(missing.body.error.code).toBe("webhook_not_found");
    const cells = [
      ["PATCH", `webhooks/${hook.webhook_id}`, { name: "x" }], ["DELETE", `webhooks/${hook.webhook_id}`, undefined],
      ["POST", `webhooks/${hook.webhook_id}/test`, undefined], ["POST", `webhooks/${hook.webhook_id}/rotate-secret`, undefined],
      ["GET", `webhooks/${hook.webhook_id}/deliveries`, undefined],
    ] as const;
    for (const [m, p, json] of cells) {
      const r = await api(m, p, { apiKey: (await newWorkspace(["admin"])).apiKey, json });
      expect(r.status, `${m} ${p}`).toBe(404);
    }
    expect((await api("GET", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey })).body.name).toBe("hook");

    const del = await api("DELETE", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ message: expect.stringContaining(hook.webhook_id) });
    expect((await api("GET", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey })).status).toBe(404);
  });

  it("GET /webhooks/events needs no credentials and lists every event type", async () => {
    const res = await api("GET", "webhooks/events");
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual([...EVENT_TYPES]);
    expect(res.body.events).toHaveLength(17);
    for (const e of res.body.events) expect(e.description.length).toBeGreaterThan(5);
    // and the authenticated ones refuse anonymous callers
    expect((await api("GET", "webhooks")).status).toBe(401);
  });
});

describe("fan-out and delivery", () => {
  it("delivers every matching event, signed over the raw body, filtered by event type and index", async () => {
    const [a, b] = [await newIndex(), await newIndex()];
    const onlyA = await createHook({ url: receiver.url("/only-a"), events: ["media.created"], index_ids: [a] });
    const every = await createHook({ url: receiver.url("/every"), events: ["media.created", "export.ready"] });
    const paused = await createHook({ url: receiver.url("/paused"), events: ["media.created"] });
    await api("PATCH", `webhooks/${paused.webhook_id}`, { apiKey: w.apiKey, json: { status: "paused" } });

    const e1 = await recordEvent({ workspaceId: w.workspaceId, type: "media.created", indexId: a, data: { video_id: "vid_a", index_id: a } });
    const e2 = await recordEvent({ workspaceId: w.workspaceId, type: "media.created", indexId: b, data: { video_id: "vid_b", index_id: b } });
    await recordEvent({ workspaceId: w.workspaceId, type: "import_job.started", indexId: a, data: { job_id: "job_x" } });
    const e4 = await recordEvent({ workspaceId: w.workspaceId, type: "export.ready", indexId: null, data: { export_id: "exp_1" } });
    // an event of another workspace reaches none of these
    await recordEvent({ workspaceId: (await newWorkspace()).workspaceId, type: "media.created", indexId: a, data: {} });

    const toEvery = await receiver.waitFor("/every", 3);
    const toA = await receiver.waitFor("/only-a", 1);
    await new Promise((r) => setTimeout(r, 500)); // nothing else may arrive
    expect(receiver.at("/only-a")).toHaveLength(1);
    expect(receiver.at("/every")).toHaveLength(3);
    expect(receiver.at("/paused")).toHaveLength(0);

    expectSigned(toA[0], onlyA.secret, onlyA.webhook_id, "media.created");
    expect(toA[0].json.data).toEqual({ video_id: "vid_a", index_id: a });
    const everyByVideo = Object.fromEntries(toEvery.map((r) => [r.json.data.video_id ?? r.json.data.export_id, r]));
    expectSigned(everyByVideo.vid_a, every.secret, every.webhook_id, "media.created");
    expectSigned(everyByVideo.vid_b, every.secret, every.webhook_id, "media.created");
    expectSigned(everyByVideo.exp_1, every.secret, every.webhook_id, "export.ready");
    // the other webhook's secret does not verify
    expect(verifySignature(onlyA.secret, everyByVideo.vid_a.raw, everyByVideo.vid_a.headers["x-webhook-signature"] as string)).toBe(false);

    const deliveries = await db.webhookDelivery.findMany({ where: { eventId: { in: [e1, e2, e4] } } });
    expect(deliveries.map((d) => `${d.webhookId}:${d.eventId}`).sort()).toEqual(
      [`${onlyA.webhook_id}:${e1}`, `${every.webhook_id}:${e1}`, `${every.webhook_id}:${e2}`, `${every.webhook_id}:${e4}`].sort(),
    );
    const listed = await api("GET", `webhooks/${every.webhook_id}/deliveries?status=succeeded`, { apiKey: w.apiKey });
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(3);
    expect(listed.body[0]).toEqual({
      delivery_id: expect.stringMatching(/^dlv_/), webhook_id: every.webhook_id, event_id: expect.stringMatching(/^evt_/),
      event_type: expect.any(String), status: "succeeded", attempts: 1, response_status_code: 200, response_body: "ok", error: null,
      duration_ms: expect.any(Number), created_at: expect.any(String), updated_at: expect.any(String), last_attempt_at: expect.any(String),
      next_attempt_at: null, completed_at: expect.any(String),
    });
    expect((await api("GET", `webhooks/${every.webhook_id}/deliveries?status=failed`, { apiKey: w.apiKey })).body).toEqual([]);
    expect((await api("GET", `webhooks/${every.webhook_id}/deliveries?status=bogus`, { apiKey: w.apiKey })).status).toBe(422);
    const limited = await api("GET", `webhooks/${every.webhook_id}/deliveries?limit=2`, { apiKey: w.apiKey });
    expect(limited.body).toHaveLength(2);
    expect(limited.headers.get("x-next-cursor")).toBeTruthy();
    const hook = (await api("GET", `webhooks/${every.webhook_id}`, { apiKey: w.apiKey })).body;
    expect(hook).toMatchObject({ failure_count: 0, last_success_at: expect.any(String), last_failure_at: null });
  });

  it("an event recorded inside a caller's transaction is delivered after commit, and not at all after rollback", async () => {
    const hook = await createHook({ url: receiver.url("/tx"), events: ["export.failed"] });
    const committed = await db.$transaction((tx) => recordEvent({ workspaceId: w.workspaceId, type: "export.failed", data: { n: 1 } }, tx));
    await expect(db.$transaction(async (tx) => {
      await recordEvent({ workspaceId: w.workspaceId, type: "export.failed", data: { n: 2 } }, tx);
      throw new Error("rolled back");
    })).rejects.toThrow("rolled back");
    const got = await receiver.waitFor("/tx", 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at("/tx")).toHaveLength(1);
    expect(got[0].json.data).toEqual({ n: 1 });
    expectSigned(got[0], hook.secret, hook.webhook_id, "export.failed");
    expect(await db.event.count({ where: { workspaceId: w.workspaceId, type: "export.failed" } })).toBe(1);
    expect((await db.webhookDelivery.findFirst({ where: { eventId: committed } }))?.status).toBe("succeeded");
  });

  it("a receiver failing twice then succeeding gets exactly three attempts and one success, same delivery id", async () => {
    const hook = await createHook({ url: receiver.url("/flaky"), events: ["import_job.completed"] });
    receiver.script("/flaky", [{ status: 500, body: "boom" }, { status: 503, body: "busy" }]);
    const eventId = await recordEvent({ workspaceId: w.workspaceId, type: "import_job.completed", data: { job_id: "job_1" } });
    const got = await receiver.waitFor("/flaky", 3);
    const [deliveryId] = await db.webhookDelivery.findMany({ where: { eventId } }).then((r) => r.map((d) => d.id));
    const d = await waitForDelivery(deliveryId, (x) => x.status !== "pending");
    await new Promise((r) => setTimeout(r, 800)); // longer than the next backoff would be: no fourth attempt
    expect(receiver.at("/flaky")).toHaveLength(3);
    expect(d).toMatchObject({ status: "succeeded", attempts: 3, response_status_code: 200, response_body: "ok", error: null, next_attempt_at: null });
    expect(got.map((r) => r.headers["x-delivery-id"])).toEqual([deliveryId, deliveryId, deliveryId]);
    expect(got.map((r) => r.headers["x-delivery-attempt"])).toEqual(["1", "2", "3"]);
    // the same bytes every time, each verifiable
    expect(got[1].raw.equals(got[0].raw) && got[2].raw.equals(got[0].raw)).toBe(true);
    for (const r of got) expectSigned(r, hook.secret, hook.webhook_id, "import_job.completed");
    const after = (await api("GET", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey })).body;
    expect(after).toMatchObject({ status: "active", failure_count: 0, last_failure_at: expect.any(String), last_success_at: expect.any(String) });
  });

  it("is duplicate-safe: a second fan-out or a repeated attempt creates and sends nothing", async () => {
    const hook = await createHook({ url: receiver.url("/dup"), events: ["prompt_run.completed"] });
    const eventId = newId("evt");
    // recorded without the queue, so only this test drives it
    await db.event.create({ data: { id: eventId, workspaceId: w.workspaceId, type: "prompt_run.completed", data: { run_id: "run_1" } } });
    const [first, second] = await Promise.all([fanOut(eventId), fanOut(eventId)]);
    expect([...first, ...second]).toHaveLength(1);
    expect(await fanOut(eventId)).toEqual([]);
    const got = await receiver.waitFor("/dup", 1);
    const deliveryId = [...first, ...second][0];
    await waitForDelivery(deliveryId, (x) => x.status === "succeeded");
    expect(await attemptDelivery(deliveryId, 1)).toBeNull(); // attempt 1 is recorded: a late duplicate job does nothing
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at("/dup")).toHaveLength(1);
    expect(got[0].headers["x-webhook-id"]).toBe(hook.webhook_id);
    expect(await db.webhookDelivery.count({ where: { eventId } })).toBe(1);

    // Two runs of the same attempt at once (a lease ran out mid-POST): both may send, with the same
    // X-Delivery-ID, but the attempt is recorded once and one next attempt at most is scheduled.
    const racing = await pendingDelivery(hook.webhook_id, "prompt_run.completed", { run_id: "run_2" });
    const outcomes = await Promise.all([attemptDelivery(racing, 1), attemptDelivery(racing, 1)]);
    expect(outcomes.filter((o) => o?.recorded)).toHaveLength(1);
    expect(receiver.at("/dup").filter((r) => r.headers["x-delivery-id"] === racing).length).toBeGreaterThanOrEqual(1);
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: racing } })).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("retry: a failed delivery is sent again with the same id; a pending one (e.g. its job lost) is sent now", async () => {
    const hook = await createHook({ url: receiver.url("/retry"), events: ["media.processing.failed"] });
    // pending with no queue job at all: retry sends it now, and a failure keeps its automatic schedule
    const stuck = await pendingDelivery(hook.webhook_id, "media.processing.failed", { video_id: "vid_s" });
    receiver.script("/retry", [{ status: 500, body: "no" }]);
    const now = await api("POST", `webhooks/deliveries/${stuck}/retry`, { apiKey: w.apiKey });
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ delivery_id: stuck, status: "pending", attempts: 0 });
    expect(await waitForDelivery(stuck, (x) => x.status === "succeeded")).toMatchObject({ attempts: 2 });

    const deliveryId = await pendingDelivery(hook.webhook_id, "media.processing.failed", { video_id: "vid_r" });
    receiver.script("/retry", [{ status: 500, body: "no" }]);
    // a final failure (the last allowed attempt), driven directly
    await db.webhookDelivery.update({ where: { id: deliveryId }, data: { manual: true } });
    const failed = await attemptDelivery(deliveryId, 1);
    expect(failed).toMatchObject({ ok: false, statusCode: 500, finalStatus: "failed", error: "HTTP 500" });

    const res = await api("POST", `webhooks/deliveries/${deliveryId}/retry`, { apiKey: w.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ delivery_id: deliveryId, status: "pending", attempts: 1 });
    const done = await waitForDelivery(deliveryId, (x) => x.status !== "pending");
    expect(done).toMatchObject({ status: "succeeded", attempts: 2, response_status_code: 200 });
    const got = receiver.at("/retry").filter((r) => r.headers["x-delivery-id"] === deliveryId);
    expect(got).toHaveLength(2);
    expect(got[1].raw.equals(got[0].raw)).toBe(true);

    // a paused webhook's deliveries are not retried: 409
    await api("PATCH", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey, json: { status: "paused" } });
    const refused = await api("POST", `webhooks/deliveries/${deliveryId}/retry`, { apiKey: w.apiKey });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("invalid_state_transition");
    // foreign and unknown deliveries
    const other = await newWorkspace();
    expect((await api("GET", `webhooks/deliveries/${deliveryId}`, { apiKey: other.apiKey })).body.error.code).toBe("delivery_not_found");
    expect((await api("POST", `webhooks/deliveries/${deliveryId}/retry`, { apiKey: other.apiKey })).status).toBe(404);
  });

  it("a sweep re-sends deliveries whose queue job was lost, once per window, and leaves due ones alone", async () => {
    const hook = await createHook({ url: receiver.url("/sweep"), events: ["media.processing.failed"] });
    const now = new Date();
    // attempt 1 failed long ago and its retry job never ran (lost in a crash): pending, due 20 min ago
    const lost = await pendingDelivery(hook.webhook_id, "media.processing.failed", { video_id: "vid_lost" });
    await db.webhookDelivery.update({ where: { id: lost }, data: { attempts: 1, nextAttemptAt: new Date(now.getTime() - 20 * 60_000) } });
    // due a minute ago: its job may simply not have run yet, so it is not touched
    const due = await pendingDelivery(hook.webhook_id, "media.processing.failed", { video_id: "vid_due" });
    await db.webhookDelivery.update({ where: { id: due }, data: { nextAttemptAt: new Date(now.getTime() - 60_000) } });

    const swept = await sweepStalledDeliveries(now);
    expect(swept).toContain(lost);
    expect(swept).not.toContain(due);
    // claimed for this window: a second (concurrent or later) sweep does not enqueue it again
    expect(await sweepStalledDeliveries(now)).not.toContain(lost);
    const done = await waitForDelivery(lost, (x) => x.status !== "pending");
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
    const got = receiver.at("/sweep").filter((r) => r.headers["x-delivery-id"] === lost);
    expect(got).toHaveLength(1);
    expect(got[0].headers["x-delivery-attempt"]).toBe("2");
    expectSigned(got[0], hook.secret, hook.webhook_id, "media.processing.failed");
    expect(receiver.at("/sweep").some((r) => r.headers["x-delivery-id"] === due)).toBe(false);
    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { id: due } })).status).toBe("pending");
  });

  it("is disabled after 50 consecutive failed attempts; a success in between starts the count again", async () => {
    const hook = await createHook({ url: receiver.url("/down"), events: ["media.created"] });
    receiver.script("/down", [], { status: 500, body: "down" });
    const deliveries: string[] = [];
    for (let i = 0; i < 52; i++) deliveries.push(await pendingDelivery(hook.webhook_id, "media.created", { i }));
    // Retries scheduled an hour away, so only these direct attempts count.
    const far = { retryBaseMs: 3_600_000 };
    for (let i = 0; i < 30; i++) expect((await attemptDelivery(deliveries[i], 1, far))?.ok).toBe(false);
    expect((await db.webhook.findUnique({ where: { id: hook.webhook_id } }))!.failureCount).toBe(30);
    receiver.script("/down", [{ status: 204 }], { status: 500, body: "down" });
    expect((await attemptDelivery(deliveries[30], 1, far))?.ok).toBe(true);
    expect((await db.webhook.findUnique({ where: { id: hook.webhook_id } }))!.failureCount).toBe(0);
    for (let i = 31; i < 52; i++) await attemptDelivery(deliveries[i], 1, far);
    // 21 more failures: still active
    expect((await db.webhook.findUnique({ where: { id: hook.webhook_id } }))).toMatchObject({ status: "active", failureCount: 21 });

    // now 29 more make 50: the 49th leaves it active, the 50th disables it
    const more: string[] = [];
    for (let i = 0; i < 29; i++) more.push(await pendingDelivery(hook.webhook_id, "media.created", { i }));
    for (let i = 0; i < 28; i++) await attemptDelivery(more[i], 1, far);
    expect((await db.webhook.findUnique({ where: { id: hook.webhook_id } }))).toMatchObject({ status: "active", failureCount: 49 });
    await attemptDelivery(more[28], 1, far);
    const disabled = (await api("GET", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey })).body;
    expect(disabled).toMatchObject({ status: "disabled", failure_count: 50, last_failure_at: expect.any(String) });

    // a disabled webhook gets no new deliveries, and a queued attempt stops without contacting it
    const before = receiver.at("/down").length;
    const eventId = await recordEvent({ workspaceId: w.workspaceId, type: "media.created", data: {} });
    expect(await fanOut(eventId)).toEqual([]);
    const queued = await attemptDelivery(deliveries[0], 2, far);
    expect(queued).toMatchObject({ ok: false, error: "webhook is disabled", finalStatus: "failed" });
    expect(receiver.at("/down").length).toBe(before);
  });

  it("backoff doubles from the base with ±20 % jitter, capped, and spans about a day by default", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(1, 1000, () => 0)).toBe(800);
    expect(retryDelayMs(1, 1000, () => 1)).toBe(1200);
    expect(retryDelayMs(30, 1000, () => 0.5)).toBe(360_000);
    const total = Array.from({ length: 12 }, (_, i) => retryDelayMs(i + 1, 60_000, () => 0.5)).reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(30);
  });
});

describe("test endpoint, rotation, redirects and the guard at delivery time", () => {
  it("test sends a signed webhook.test and records it; a failing test does not count against the webhook", async () => {
    const hook = await createHook({ url: receiver.url("/test"), events: ["media.created"] });
    const res = await api("POST", `webhooks/${hook.webhook_id}/test`, { apiKey: w.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, status_code: 200, error: null, delivery_id: expect.stringMatching(/^dlv_/) });
    const [got] = receiver.at("/test");
    expectSigned(got, hook.secret, hook.webhook_id, "webhook.test");
    expect(got.json.data).toEqual({ webhook_id: hook.webhook_id, message: expect.any(String) });
    const listed = (await api("GET", `webhooks/${hook.webhook_id}/deliveries`, { apiKey: w.apiKey })).body;
    expect(listed).toEqual([expect.objectContaining({ delivery_id: res.body.delivery_id, event_type: "webhook.test", event_id: null, status: "succeeded", attempts: 1 })]);

    receiver.script("/test", [{ status: 500, body: "x".repeat(10_000) }]);
    const failed = await api("POST", `webhooks/${hook.webhook_id}/test`, { apiKey: w.apiKey });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ success: false, status_code: 500, error: "HTTP 500" });
    const d = (await api("GET", `webhooks/deliveries/${failed.body.delivery_id}`, { apiKey: w.apiKey })).body;
    expect(d).toMatchObject({ status: "failed", attempts: 1, next_attempt_at: null, response_status_code: 500 });
    expect(d.response_body).toBe("x".repeat(4096)); // stored truncated
    expect((await api("GET", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey })).body.failure_count).toBe(0);
  });

  it("a redirect is a failure and is not followed", async () => {
    const hook = await createHook({ url: receiver.url("/redirect"), events: ["media.created"] });
    receiver.script("/redirect", [{ status: 302, headers: { location: receiver.url("/redirect-target") } }]);
    const res = await api("POST", `webhooks/${hook.webhook_id}/test`, { apiKey: w.apiKey });
    expect(res.body).toMatchObject({ success: false, status_code: 302, error: "redirect not followed (HTTP 302)" });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.at("/redirect-target")).toHaveLength(0);
  });

  it("rotate-secret returns a new secret that signs from then on; the old one no longer verifies", async () => {
    const hook = await createHook({ url: receiver.url("/rotate"), events: ["media.created"] });
    const rotated = await api("POST", `webhooks/${hook.webhook_id}/rotate-secret`, { apiKey: w.apiKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ webhook_id: hook.webhook_id, new_secret: expect.stringMatching(/^whsec_[0-9a-f]{48}$/) });
    expect(rotated.body.new_secret).not.toBe(hook.secret);
    await api("POST", `webhooks/${hook.webhook_id}/test`, { apiKey: w.apiKey });
    const [got] = receiver.at("/rotate");
    expectSigned(got, rotated.body.new_secret, hook.webhook_id, "webhook.test");
    expect(verifySignature(hook.secret, got.raw, got.headers["x-webhook-signature"] as string)).toBe(false);
    const text = (await api("GET", `webhooks/${hook.webhook_id}`, { apiKey: w.apiKey })).text;
    expect(text).not.toContain(rotated.body.new_secret);
  });

  it("the outbound guard runs again at delivery time: a URL no longer allowed is refused without contact", async () => {
    const hook = await createHook({ url: receiver.url("/guarded"), events: ["media.created"] });
    const saved = process.env.GANTRY_OUTBOUND_ALLOWLIST;
    process.env.GANTRY_OUTBOUND_ALLOWLIST = "";
    try {
      const res = await api("POST", `webhooks/${hook.webhook_id}/test`, { apiKey: w.apiKey });
      expect(res.body).toMatchObject({ success: false, status_code: null, error: "endpoint not allowed: loopback" });
      // and at create time the same address is refused
      const create = await api("POST", "webhooks", { apiKey: w.apiKey, json: { name: "x", url: receiver.url("/guarded"), events: ["media.created"] } });
      expect(create.status).toBe(422);
      expect(create.body.error.code).toBe("endpoint_not_allowed");
    } finally {
      process.env.GANTRY_OUTBOUND_ALLOWLIST = saved;
    }
    expect(receiver.at("/guarded")).toHaveLength(0);
  });

  it("connects to the address the guard vetted (no second DNS lookup) and gives up after the timeout", async () => {
    // A name no real DNS knows: only the guard's resolver answers it, so a success proves the connection was pinned.
    const port = Number(new URL(receiver.url("/")).port);
    const resolver = async (host: string) => (host === "hooks.example.test" ? ["127.0.0.1"] : []);
    const pinned = await postWebhook(`http://hooks.example.test:${port}/pinned`, "{}", { "content-type": "application/json" }, { timeoutMs: 5000, resolver });
    expect(pinned).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(receiver.at("/pinned")[0].headers.host).toBe(`hooks.example.test:${port}`);

    const hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    try {
      const started = Date.now();
      const slow = await postWebhook(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`, "{}", {}, { timeoutMs: 300 });
      expect(slow).toMatchObject({ ok: false, statusCode: null, error: "timed out after 300 ms" });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  });
});
