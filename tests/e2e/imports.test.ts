import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { readEmulatorEnv } from "../../scripts/emulators/index";
import { fixture } from "../helpers/imports";
import { seedS3, uniqueName } from "../helpers/storage-seed";
import { launchBrowser, SCREENSHOT_DIR } from "./browser";

describe("browser: import from a connector with preview, live progress, videos table", () => {
  const base = inject("baseUrl");
  let context: BrowserContext;
  let close: () => Promise<void>;
  const bucket = uniqueName("e2eimp").toLowerCase();

  beforeAll(async () => {
    ({ context, close } = await launchBrowser());
    await seedS3(readEmulatorEnv(process.env).s3!, bucket, {
      "shoot/clip.mp4": fixture("clip.mp4"), "shoot/audio/tone.mp3": fixture("tone.mp3"), "shoot/still.png": fixture("still.png"), "shoot/notes.txt": "n",
    });
  });
  afterAll(async () => close?.());

  it("works end to end", async () => {
    const s3 = readEmulatorEnv(process.env).s3!;
    const page = await context.newPage();
    await page.goto(`${base}/sign-up`);
    await page.fill("#email", `e2e-imp-${Date.now()}@example.test`);
    await page.fill("#password", "a long enough password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/indexes`);
    // The browser session calls the API directly for the set-up steps the other tests cover in the UI.
    const conn = await context.request.post(`${base}/api/v2/connectors/s3`, { data: {
      name: "Shoot bucket", bucket, region: s3.region, aws_access_key_id: s3.accessKeyId, aws_secret_access_key: s3.secretAccessKey, endpoint: s3.endpoint,
    } });
    expect(conn.status()).toBe(201);
    const index = await (await context.request.post(`${base}/api/v2/indexes`, { data: { name: "Shoot 14" } })).json();

    await page.goto(`${base}/indexes/${index.index_id}`);
    await page.fill("#i-prefix", "shoot/");
    await page.click("button:has-text('Preview matching files')");
    const previewRows = await page.waitForSelector("[data-testid=import-preview]");
    expect(await previewRows.textContent()).toContain("4 matching files");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "20-import-preview.png"), fullPage: true });

    await page.click("button:has-text('Start import')");
    await page.waitForURL(/\/imports\/job_/);
    await page.waitForSelector("[data-testid=job-status]:has-text('completed')", { timeout: 60_000 });
    expect(await page.textContent("[data-testid=job-counts]")).toContain("3 imported · 0 failed · 1 skipped");
    expect(await page.content()).toContain("unsupported_media_type");
    // both bars (files, bytes) say 100 and are drawn full once their width transition has ended
    expect(await page.$$eval("[role=progressbar]", (bars) => bars.map((b) => b.getAttribute("aria-valuenow")))).toEqual(["100", "100"]);
    await page.waitForFunction(() =>
      [...document.querySelectorAll("[role=progressbar]")].every((bar) => {
        const fill = bar.firstElementChild as HTMLElement | null;
        return !!fill && fill.getBoundingClientRect().width >= bar.getBoundingClientRect().width - 0.5;
      }),
    );
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "21-import-job-completed.png"), fullPage: true });

    await page.goto(`${base}/indexes/${index.index_id}`);
    const rows = await page.$$eval("[data-testid=video-row]", (r) => r.map((x) => x.textContent ?? ""));
    expect(rows).toHaveLength(3);
    expect(rows.join("|")).toContain("shoot/clip.mp4");
    expect(rows.join("|")).toMatch(/clip.*video.*1\.0 s/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "22-index-videos.png"), fullPage: true });

    await page.goto(`${base}/imports?status=completed`);
    expect(await page.$$("[data-testid=import-row]")).toHaveLength(1);
  });
});
