import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import pg from "pg";
import { readEmulatorEnv } from "../../scripts/emulators/index";
import { seedS3, uniqueName } from "../helpers/storage-seed";
import { launchBrowser, SCREENSHOT_DIR } from "./browser";

/** A finished prompt run with two videos and three segments each, written into the server's database. */
async function seedFinishedRun(databaseUrl: string, indexId: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const ws = (await client.query("SELECT workspace_id FROM indexes WHERE id = $1", [indexId])).rows[0].workspace_id as string;
    const sfx = Date.now().toString(36);
    const runId = `run_e2e${sfx}`;
    await client.query(
      `INSERT INTO prompt_runs (id, workspace_id, prompt_id, index_id, status, processing_model, engine, prompt_snapshot, target_type, video_count, completed_videos, completed_at, updated_at)
       VALUES ($1, $2, 'prompt_e2e', $3, 'completed', 'probe', 'probe', '{"name":"scenes"}', 'index', 2, 2, now(), now())`, [runId, ws, indexId]);
    for (let v = 0; v < 2; v++) {
      const videoId = `vid_e2e${sfx}${v}`;
      const resultId = `res_e2e${sfx}${v}`;
      await client.query(
        `INSERT INTO videos (id, workspace_id, index_id, title, video_uri, storage_key, media_type, duration_seconds, size_bytes, content_type, source_path, metadata, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'video', 30, 1000, 'video/mp4', $7, '{"container":"mp4","video":{"width":64,"height":48}}', now())`,
        [videoId, ws, indexId, `Take ${v + 1}`, `file:///media/${videoId}.mp4`, `${videoId}.mp4`, `shoot/take${v + 1}.mp4`]);
      await client.query(
        `INSERT INTO prompt_run_videos (id, run_id, video_id, status, engine, video_result, completed_at, updated_at)
         VALUES ($1, $2, $3, 'completed', 'probe', '{"summary":"two people talking"}', now(), now())`, [resultId, runId, videoId]);
      for (let s = 0; s < 3; s++) {
        await client.query(
          `INSERT INTO prompt_run_segments (id, result_id, run_id, ordinal, start_seconds, end_seconds, status, data)
           VALUES ($1, $2, $3, $4, $5, $6, 'completed', $7)`,
          [`seg_e2e${sfx}${v}${s}`, resultId, runId, s, s * 10, s * 10 + 10, JSON.stringify({ label: `scene ${s}`, people: 2 })]);
      }
    }
    return runId;
  } finally {
    await client.end();
  }
}

describe("browser: exports page and the index's export automation panel", () => {
  const base = inject("baseUrl");
  let context: BrowserContext;
  let close: () => Promise<void>;
  const bucket = uniqueName("e2eexp").toLowerCase();

  beforeAll(async () => {
    ({ context, close } = await launchBrowser());
    await seedS3(readEmulatorEnv(process.env).s3!, bucket, {});
  });
  afterAll(async () => close?.());

  it("creates an export, shows it completing, downloads it; sets up an export automation", async () => {
    const s3 = readEmulatorEnv(process.env).s3!;
    const page = await context.newPage();
    await page.goto(`${base}/sign-up`);
    await page.fill("#email", `e2e-exp-${Date.now()}@example.test`);
    await page.fill("#password", "a long enough password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/indexes`);
    const index = await (await context.request.post(`${base}/api/v2/indexes`, { data: { name: "Interviews" } })).json();
    const runId = await seedFinishedRun(inject("databaseUrl"), index.index_id);
    const conn = await context.request.post(`${base}/api/v2/connectors/s3`, { data: {
      name: "Delivery bucket", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey,
      endpoint: s3.endpoint, scopes: ["export"], export_base_path: "results",
    } });
    expect(conn.status()).toBe(201);

    await page.goto(`${base}/exports`);
    expect(await page.textContent("nav")).toContain("Exports");
    await page.selectOption("#x-index", index.index_id);
    await page.check(`input[name=prompt_run_ids][value=${runId}]`);
    await page.selectOption("#x-format", "json");
    await page.click("button:has-text('Start export')");
    await page.waitForSelector("[data-testid=export-row] [data-testid=export-status]:has-text('completed')", { timeout: 60_000 });
    const row = await page.textContent("[data-testid=export-row]");
    expect(row).toContain("json");
    expect(row).toContain("download");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "40-exports-completed.png"), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=export-download]")]);
    const doc = JSON.parse(readFileSync((await download.path())!, "utf8"));
    expect(doc.prompt_runs.map((r: { run_id: string }) => r.run_id)).toEqual([runId]);
    expect(doc.results).toHaveLength(2);
    expect(doc.results[0].segments).toHaveLength(3);
    expect(doc.results.map((r: { title: string }) => r.title).sort()).toEqual(["Take 1", "Take 2"]);

    // A connector export with a bad subfolder is refused with the field at fault, then a good one works.
    await page.selectOption("#x-source", "run");
    await page.selectOption("#x-dest", "connector");
    await page.fill("#x-sub", "../outside");
    await page.click("button:has-text('Start export')");
    await page.waitForSelector("text=must not contain '.' or '..' segments");
    await page.fill("#x-sub", "weekly");
    await page.selectOption("#x-format", "csv");
    await page.click("button:has-text('Start export')");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=export-row]").length === 2);
    try {
      await page.waitForSelector(`[data-testid=export-row]:has-text('s3://${bucket}/results/weekly/') [data-testid=export-status]:has-text('completed')`, { timeout: 60_000 });
    } catch (err) {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "41-exports-connector-FAILED.png"), fullPage: true });
      throw new Error(`${(err as Error).message}\nrows: ${(await page.$$eval("[data-testid=export-row]", (r) => r.map((x) => x.textContent))).join(" | ")}`);
    }
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "41-exports-connector.png"), fullPage: true });

    await page.goto(`${base}/indexes/${index.index_id}`);
    const panel = page.locator("[data-testid=export-automation]");
    await panel.locator("#ea-sub").fill("auto");
    await panel.locator("#ea-format").selectOption("jsonl");
    await panel.locator("button:has-text('Turn on')").click();
    await page.waitForSelector("[data-testid=export-automation] .badge:has-text('active')");
    const auto = await (await context.request.get(`${base}/api/v2/indexes/${index.index_id}/automations/export`)).json();
    expect(auto).toMatchObject({ type: "export", enabled: true, paused: false, destination_subpath: "auto", format: "jsonl" });
    await panel.locator("button:has-text('Pause')").click();
    await page.waitForSelector("[data-testid=export-automation] .badge:has-text('paused')");
    expect(await panel.locator("input[name=paused]").isChecked()).toBe(true);
    expect(await panel.locator("#ea-sub").inputValue()).toBe("auto");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "42-index-export-automation.png"), fullPage: true });
  });
});
