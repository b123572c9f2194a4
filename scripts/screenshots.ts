/**
 * Takes the README's screenshots: the page in use in headless Chromium, light scheme, with
 * recorded speech as the microphone (played once) and the built-in coach answering, once the
 * recording's turns have been answered. Run by hand, after `deno task build`:
 *
 * ```sh
 * deno run -A scripts/screenshots.ts
 * ```
 *
 * writes docs/screenshot-desktop.png (1280 wide, the whole page, Diagnostics open) and
 * docs/screenshot-phone.png (390×844, the first screen).
 *
 * @module
 */
import type { Page } from "playwright-core";
import { startTestServer } from "@/testing/server.ts";
import { VoicePage } from "@/testing/voice_page.ts";

const OUT = new URL("../docs/", import.meta.url);
/** A real voice, played once: its pauses make a few turns. */
const MICROPHONE = { microphone: "delivery/jfk.wav", once: true };

/** Starts a session and waits until the recording has been answered and all is quiet. */
async function converse(voice: VoicePage): Promise<void> {
  const { page } = voice;
  await page.emulateMedia({ colorScheme: "light", reducedMotion: "reduce" });
  await page.click('[data-testid="power"]');
  await page.waitForFunction(
    () => document.querySelectorAll(".turn-assistant:not(.turn-streaming)").length >= 1,
    undefined,
    { timeout: 60000 },
  );
  // Quiet: listening, and no turn added or changed for 3 s.
  await page.waitForFunction(
    () => {
      const g = globalThis as unknown as { __quiet?: { html: string; since: number } };
      const html = document.querySelector('[data-testid="transcript"]')!.innerHTML;
      const listening = document.querySelector('[data-voice-state="listening"]') !== null;
      if (!listening || g.__quiet?.html !== html) g.__quiet = { html, since: performance.now() };
      return listening && performance.now() - g.__quiet.since > 3000;
    },
    undefined,
    { timeout: 60000, polling: 200 },
  );
  // The pointer off the button, the meters at rest.
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
}

async function shoot(page: Page, name: string, fullPage: boolean): Promise<void> {
  const path = new URL(name, OUT).pathname;
  await page.screenshot({ path, fullPage });
  // deno-lint-ignore no-console
  console.log(`wrote ${path}`);
}

if (import.meta.main) {
  await using server = await startTestServer({ LOG_LEVEL: "silent", LOCAL_COACH: "delivery" });
  {
    await using voice = await VoicePage.open(server.url, MICROPHONE);
    await voice.page.setViewportSize({ width: 1280, height: 900 });
    await converse(voice);
    await voice.page.locator('[data-testid="diagnostics"] summary').click();
    await shoot(voice.page, "screenshot-desktop.png", true);
  }
  {
    await using voice = await VoicePage.open(server.url, MICROPHONE);
    await voice.page.setViewportSize({ width: 390, height: 844 });
    await converse(voice);
    await shoot(voice.page, "screenshot-phone.png", false);
  }
}
