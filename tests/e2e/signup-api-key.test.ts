import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { launchBrowser, SCREENSHOT_DIR } from "./browser";

describe("browser: sign up → create an API key → see it once", () => {
  const base = inject("baseUrl");
  let context: BrowserContext;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ context, close } = await launchBrowser());
  });
  afterAll(async () => close?.());

  it("works end to end", async () => {
    const page = await context.newPage();
    const email = `e2e-${Date.now()}@example.test`;
    await page.goto(`${base}/sign-up`);
    await page.fill("#name", "E2E User");
    await page.fill("#email", email);
    await page.fill("#password", "a long enough password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/indexes`);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "01-indexes-after-signup.png") });

    await page.fill("#index-name", "Footage 2026");
    await page.click("text=Create index");
    await page.waitForSelector("[data-testid=index-row]");
    expect(await page.textContent("[data-testid=index-row]")).toContain("Footage 2026");

    await page.goto(`${base}/settings/api-keys`);
    await page.fill("#key-name", "browser key");
    await page.check("input[name=scopes][value=write]");
    await page.click("text=Create key");
    const shown = await page.waitForSelector("[data-testid=new-api-key] code");
    const key = (await shown.textContent())!.trim();
    expect(key).toMatch(/^sk_live_[0-9a-f]{48}$/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "02-api-key-shown-once.png"), fullPage: true });

    // The key works against the API...
    const res = await fetch(`${base}/api/v2/indexes`, { headers: { "X-API-Key": key } });
    expect(res.status).toBe(200);
    expect((await res.json()).map((i: { name: string }) => i.name)).toEqual(["Footage 2026"]);

    // ...and is never shown again: reloading the page lists it by prefix only.
    await page.reload();
    await page.waitForSelector("[data-testid=api-key-row]");
    expect(await page.content()).not.toContain(key);
    expect(await page.textContent("[data-testid=api-key-row]")).toContain(key.slice(0, 14));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "03-api-keys-list.png"), fullPage: true });
  });
});
