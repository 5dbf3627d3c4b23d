import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { readEmulatorEnv } from "../../scripts/emulators/index";
import { seedS3, uniqueName } from "../helpers/storage-seed";
import { launchBrowser, SCREENSHOT_DIR } from "./browser";

describe("browser: connector create → test → browse on the S3 emulator", () => {
  const base = inject("baseUrl");
  let context: BrowserContext;
  let close: () => Promise<void>;
  const bucket = uniqueName("e2e").toLowerCase();

  beforeAll(async () => {
    ({ context, close } = await launchBrowser());
    await seedS3(readEmulatorEnv(process.env).s3!, bucket, {
      "raw/day1/take1.mp4": "x".repeat(2048),
      "raw/day1/take2.mov": "y".repeat(4096),
      "raw/day2/take3.mp4": "z".repeat(1500000),
      "raw/readme.txt": "hello",
    });
  });
  afterAll(async () => close?.());

  async function signUp(page: Page) {
    await page.goto(`${base}/sign-up`);
    await page.fill("#email", `e2e-conn-${Date.now()}@example.test`);
    await page.fill("#password", "a long enough password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/indexes`);
  }

  it("works end to end", async () => {
    const s3 = readEmulatorEnv(process.env).s3!;
    const page = await context.newPage();
    await signUp(page);

    await page.goto(`${base}/connectors/new?provider=s3`);
    await page.fill("#f-name", "Raw footage");
    await page.fill("#f-bucket", bucket);
    await page.fill("#f-region", s3.region);
    await page.fill("#f-aws_access_key_id", s3.accessKeyId);
    await page.fill("#f-aws_secret_access_key", s3.secretAccessKey);
    await page.click("summary:has-text('Advanced')");
    await page.fill("#f-endpoint", s3.endpoint);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "10-new-s3-connector.png"), fullPage: true });
    await page.click("button:has-text('Create connector')");
    await page.waitForURL(/\/connectors\/conn_/);

    await page.click("button:has-text('Test connection')");
    const result = await page.waitForSelector("[data-testid=test-result]");
    expect(await result.textContent()).toContain("success");

    await page.click("button:has-text('Browse')");
    await page.waitForSelector("[data-testid=browse-folder]");
    await page.click("[data-testid=browse-folder] button:has-text('raw')");
    await page.waitForSelector("[data-testid=browse-file]");
    const files = await page.$$eval("[data-testid=browse-file]", (rows) => rows.map((r) => r.textContent ?? ""));
    expect(files.join("|")).toContain("readme.txt");
    const folders = await page.$$eval("[data-testid=browse-folder]", (rows) => rows.map((r) => r.textContent ?? ""));
    expect(folders.join("|")).toContain("day1");

    await page.fill("#b-pattern", "*.mp4");
    await page.check("text=include subfolders");
    await page.click("button:has-text('Apply')");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=browse-file]").length === 2);
    const mp4s = await page.$$eval("[data-testid=browse-file]", (rows) => rows.map((r) => r.textContent ?? ""));
    expect(mp4s.join("|")).toContain("day1/take1.mp4");
    expect(mp4s.join("|")).toContain("day2/take3.mp4");
    expect(mp4s.join("|")).toContain("1.4 MB");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "11-connector-tested-and-browsed.png"), fullPage: true });

    await page.goto(`${base}/connectors`);
    expect(await page.textContent("[data-testid=connector-row]")).toContain("active");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "12-connectors-list.png"), fullPage: true });
  });
});
