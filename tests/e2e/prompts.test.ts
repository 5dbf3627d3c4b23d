import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { readEmulatorEnv } from "../../scripts/emulators/index";
import { fixture } from "../helpers/imports";
import { seedS3, uniqueName } from "../helpers/storage-seed";
import { launchBrowser, SCREENSHOT_DIR } from "./browser";

describe("browser: prompt with a checked JSON schema, import automation with a preset, prompt run results", () => {
  const base = inject("baseUrl");
  let context: BrowserContext;
  let close: () => Promise<void>;
  const bucket = uniqueName("e2eauto").toLowerCase();

  beforeAll(async () => {
    ({ context, close } = await launchBrowser());
    await seedS3(readEmulatorEnv(process.env).s3!, bucket, { "drop/clip.mp4": fixture("clip.mp4"), "drop/tone.mp3": fixture("tone.mp3") });
  });
  afterAll(async () => close?.());

  it("works end to end", async () => {
    const s3 = readEmulatorEnv(process.env).s3!;
    const page = await context.newPage();
    await page.goto(`${base}/sign-up`);
    await page.fill("#email", `e2e-auto-${Date.now()}@example.test`);
    await page.fill("#password", "a long enough password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/indexes`);
    const conn = await context.request.post(`${base}/api/v2/connectors/s3`, { data: {
      name: "Drop bucket", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey, endpoint: s3.endpoint,
    } });
    expect(conn.status()).toBe(201);
    const index = await (await context.request.post(`${base}/api/v2/indexes`, { data: { name: "Daily drop" } })).json();

    // Prompt editor: schema errors are reported inline as you type.
    await page.goto(`${base}/prompts`);
    await page.fill("#p-name", "Shot description");
    await page.fill("#p-text", "Describe each shot.");
    await page.fill("#p-schema", '{ "type": "array" }');
    await page.waitForSelector("[data-testid=schema-status]:has-text('root of the schema must have type')");
    await page.fill("#p-schema", '{ "type": "object", "properties": { "shot": { "type": "nope" } } }');
    await page.waitForSelector("[data-testid=schema-status]:has-text('not a valid JSON Schema')");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "50-prompt-schema-error.png"), fullPage: true });
    await page.fill("#p-schema", '{ "type": "object", "properties": { "shot": { "type": "string" } } }');
    await page.waitForSelector("[data-testid=schema-status]:has-text('valid schema')");
    await page.click("button:has-text('Create prompt')");
    await page.waitForURL(/\/prompts\/prompt_/);

    // Automation with the prompt as its preset; backfill imports what is already in the bucket.
    await page.goto(`${base}/indexes/${index.index_id}`);
    await page.fill("#a-prefix", "drop/");
    await page.selectOption("#a-prompt", { label: "Shot description" });
    await page.fill("#a-seg", "1");
    await page.check("input[name=backfill]");
    await page.click("button:has-text('Create automation')");
    await page.waitForSelector("[data-testid=automation-state]");

    // The scheduler (on the queue, in the server's worker) scans, imports, then runs the preset.
    const deadline = Date.now() + 90_000;
    for (;;) {
      await page.goto(`${base}/indexes/${index.index_id}`);
      const status = await page.$("[data-testid=run-row-status]");
      if (status && (await status.textContent()) === "completed") break;
      if (Date.now() > deadline) throw new Error("the automation's prompt run did not complete");
      await page.waitForTimeout(1000);
    }
    expect(await page.$$("[data-testid=video-row]")).toHaveLength(2);
    expect(await page.textContent("[data-testid=automation-state]")).toMatch(/Last job: job_/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "51-index-automation.png"), fullPage: true });

    await page.click("[data-testid=run-row] a");
    await page.waitForURL(/\/prompt-runs\/run_/);
    await page.waitForSelector("h1 [data-testid=run-status]:has-text('completed')");
    expect(await page.textContent("[data-testid=run-counts]")).toContain("2 completed · 0 failed");
    expect(await page.$$("[data-testid=result-row]")).toHaveLength(2);
    expect(await page.textContent("[data-testid=result-row]")).toMatch(/drop\/(clip\.mp4|tone\.mp3)/);
    expect(await page.textContent("[data-testid=segments-table]")).toContain("0.00 s");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "52-prompt-run.png"), fullPage: true });

    await page.goto(`${base}/indexes/${index.index_id}`);
    await page.click("[data-testid=automation-state] button:has-text('Pause')");
    await page.waitForSelector("[data-testid=automation-panel] .badge:has-text('paused')");
    expect(await page.textContent("[data-testid=automation-state]")).toContain("paused by request");
  }, 180_000);
});
