import { deepEqual, equal, match } from "node:assert/strict";
import { launchBrowser } from "@/testing/browser.ts";
import { startTestServer } from "@/testing/server.ts";

Deno.test("the page renders on the server and its island hydrates in Chromium", async () => {
  await using server = await startTestServer();
  const html = await (await fetch(server.url)).text();
  match(html, /data-island="VoiceSession"/);
  match(html, /data-voice-state="off"/);
  match(html, /<button[^>]*data-testid="power"[^>]*disabled/);

  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("pageerror", (error) => problems.push(String(error)));
    await page.goto(server.url);
    await page.waitForSelector('[data-island="VoiceSession"][data-hydrated="true"]');
    // Enabled only once hydrated: the button is disabled in the server HTML.
    await page.waitForSelector('[data-testid="power"]:not([disabled])', { timeout: 5000 });
    const power = page.getByTestId("power");
    await power.click();
    const state = await page.locator("[data-voice-state]").getAttribute("data-voice-state");
    equal(state !== "off", true, `state after the first click is ${state}`);
    deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
