/**
 * Takes the README's screenshot: the page in use in headless Chromium, with recorded speech
 * as the microphone and the embedded echo coach answering. `deno run -A scripts/screenshot.ts`
 * (after `deno task build`) writes docs/screenshot.png.
 *
 * @module
 */
import { startTestServer } from "@/testing/server.ts";
import { VoicePage } from "@/testing/voice_page.ts";

await using server = await startTestServer({ LOG_LEVEL: "silent" });
await using voice = await VoicePage.open(server.url);
await voice.page.setViewportSize({ width: 900, height: 1000 });
await voice.page.click('[data-testid="power"]');
await voice.page.waitForFunction(
  () => document.querySelectorAll(".turn-assistant").length >= 2,
  undefined,
  { timeout: 30000 },
);
await voice.waitForState("assistant-speaking", 15000);
await voice.page.locator('[data-testid="diagnostics"] summary').click();
await voice.page.screenshot({ path: "docs/screenshot.png", fullPage: true });
