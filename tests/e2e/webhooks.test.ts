import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { startReceiver } from "../helpers/webhook-receiver";
import { verifySignature } from "@/lib/webhooks/send";
import { launchBrowser, SCREENSHOT_DIR } from "./browser";

describe("browser: webhook create → secret once → test → delivery listed → retry → pause", () => {
  const base = inject("baseUrl");
  let context: BrowserContext;
  let close: () => Promise<void>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    ({ context, close } = await launchBrowser());
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await close?.();
    await receiver?.close();
  });

  it("works end to end against a local receiver", async () => {
    const page = await context.newPage();
    await page.goto(`${base}/sign-up`);
    await page.fill("#email", `e2e-wh-${Date.now()}@example.test`);
    await page.fill("#password", "a long enough password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/indexes`);
    await page.fill("#index-name", "Footage");
    await page.click("text=Create index");
    await page.waitForSelector("[data-testid=index-row]");

    await page.click("nav >> text=Webhooks");
    await page.waitForURL(`${base}/webhooks`);
    await page.fill("#wh-name", "Orders service");
    await page.fill("#wh-url", receiver.url("/gantry"));
    await page.check("input[name=events][value='media.created']");
    await page.check("input[name=events][value='import_job.completed']");
    await page.check("input[name=index_scope][value=some]");
    await page.check("label.check:has-text('Footage') input[name=index_ids]");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "30-new-webhook-form.png"), fullPage: true });
    await page.click("button:has-text('Create webhook')");
    const secret = (await (await page.waitForSelector("[data-testid=webhook-secret] code")).textContent())!.trim();
    expect(secret).toMatch(/^whsec_[0-9a-f]{48}$/);
    expect(await page.textContent("[data-testid=webhook-row]")).toContain("Orders service");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "31-webhook-secret-shown-once.png"), fullPage: true });

    await page.click("text=Open the webhook →");
    await page.waitForURL(/\/webhooks\/wh_/);
    expect(await page.content()).not.toContain(secret);
    await page.click("button:has-text('Send test')");
    const result = await page.waitForSelector("[data-testid=webhook-test-result]");
    expect(await result.textContent()).toContain("success");
    expect(await result.textContent()).toContain("HTTP 200");
    // the receiver got a delivery signed with the secret shown at creation
    const [got] = await receiver.waitFor("/gantry", 1);
    expect(verifySignature(secret, got.raw, got.headers["x-webhook-signature"] as string)).toBe(true);
    expect(got.headers["x-event-type"]).toBe("webhook.test");

    await page.waitForSelector("[data-testid=delivery-row]");
    const row = await page.textContent("[data-testid=delivery-row]");
    expect(row).toContain("succeeded");
    expect(row).toContain("webhook.test");
    expect(row).toContain("200");

    // retry the delivery from its row: the same delivery id reaches the receiver again
    await page.click("[data-testid=delivery-row] button:has-text('Retry')");
    const again = await receiver.waitFor("/gantry", 2);
    expect(again[1].headers["x-delivery-id"]).toBe(again[0].headers["x-delivery-id"]);
    await page.click("a:has-text('Refresh')");
    await page.waitForFunction(() => document.querySelector("[data-testid=delivery-row]")?.textContent?.includes("succeeded") && document.querySelector("[data-testid=delivery-row] td:nth-child(3)")?.textContent === "2");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "32-webhook-detail-deliveries.png"), fullPage: true });

    await page.click("button:has-text('Pause')");
    await page.waitForSelector("[data-testid=webhook-status]:has-text('paused')");
    await page.click("button:has-text('Resume')");
    await page.waitForSelector("[data-testid=webhook-status]:has-text('active')");

    await page.click("button:has-text('Rotate secret…')");
    await page.click("button:has-text('Confirm rotate')");
    const rotated = (await (await page.waitForSelector("[data-testid=webhook-secret] code")).textContent())!.trim();
    expect(rotated).toMatch(/^whsec_[0-9a-f]{48}$/);
    expect(rotated).not.toBe(secret);

    await page.click("button:has-text('Delete…')");
    await page.click("button:has-text('Confirm delete')");
    await page.waitForURL(`${base}/webhooks`);
    await page.waitForSelector("text=No webhooks yet");
  });
});
