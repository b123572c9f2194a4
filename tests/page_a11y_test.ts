/**
 * The voice page with axe-core in headless Chromium, in every state a person can meet: off,
 * connecting, listening, hearing the user, the coach speaking, reconnecting, the error banner,
 * the access form and Diagnostics open; each in light and dark, on a desktop and a 390×844
 * phone. No serious or critical violation anywhere. Also the fixed name of the power button,
 * the status live region and the announcement of finished turns only.
 *
 * @module
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { axeViolations, describeViolations } from "@/testing/axe.ts";
import { launchBrowser } from "@/testing/browser.ts";
import { startTestServer } from "@/testing/server.ts";
import { SilentUpstream } from "@/testing/silent_upstream.ts";
import { VoicePage } from "@/testing/voice_page.ts";

interface Look {
  name: string;
  colorScheme: "light" | "dark";
  viewport: { width: number; height: number };
}

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const LOOKS: Look[] = [
  { name: "light desktop", colorScheme: "light", viewport: DESKTOP },
  { name: "dark desktop", colorScheme: "dark", viewport: DESKTOP },
  { name: "light phone", colorScheme: "light", viewport: PHONE },
  { name: "dark phone", colorScheme: "dark", viewport: PHONE },
];

/**
 * Runs axe in each look; with `state`, waits for the island to be in it first (states that
 * come and go, such as the coach speaking, are caught on their next turn). Returns the
 * problems found, one entry per look that had any.
 */
async function audit(page: Page, what: string, state?: string): Promise<string[]> {
  const problems: string[] = [];
  for (const look of LOOKS) {
    await page.setViewportSize(look.viewport);
    await page.emulateMedia({ colorScheme: look.colorScheme });
    if (state) await page.waitForSelector(`[data-voice-state="${state}"]`, { timeout: 30000 });
    const found = await axeViolations(page);
    if (found.length > 0) problems.push(`${what}, ${look.name}:\n${describeViolations(found)}`);
  }
  return problems;
}

Deno.test("a11y: off, user speaking, coach speaking and Diagnostics open", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const { page } = voice;
  const problems = await audit(page, "off", "off");

  // The button keeps its name; aria-pressed says whether a session runs.
  const power = page.getByRole("button", { name: "Voice session", exact: true });
  equal(await power.getAttribute("aria-pressed"), "false");
  await power.click();
  await voice.waitForRunning();
  equal(await power.getAttribute("aria-pressed"), "true");
  equal(await page.getByRole("button", { name: "Voice session", exact: true }).count(), 1);
  // The state line is a live region.
  equal(await page.locator("#voice-status").getAttribute("role"), "status");

  // The looping microphone brings these two back turn after turn: each look catches one.
  problems.push(...await audit(page, "user speaking", "user-speaking"));
  problems.push(...await audit(page, "coach speaking", "assistant-speaking"));
  await page.locator('[data-testid="diagnostics"] summary').click();
  problems.push(...await audit(page, "Diagnostics open"));
  // Pass and fail are words, not only a glyph.
  const verdicts = await page.locator(".checks .verdict").allInnerTexts();
  ok(verdicts.length >= 5, `${verdicts.length} verdicts`);
  ok(verdicts.every((v) => ["Pass", "Fail", "Not yet"].includes(v)), verdicts.join(", "));
  ok(verdicts.includes("Pass"), verdicts.join(", "));
  deepEqual(problems, []);
  deepEqual(voice.errors, []);
});

Deno.test("a11y: listening, once the microphone has gone quiet", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url, { once: true });
  await voice.page.click('[data-testid="power"]');
  // The recording plays once (three words in 10 s); between and after its words, quiet.
  await voice.page.waitForFunction(
    () => document.querySelectorAll(".turn-assistant:not(.turn-streaming)").length >= 1,
    undefined,
    { timeout: 60000 },
  );
  deepEqual(await audit(voice.page, "listening", "listening"), []);
  deepEqual(voice.errors, []);
});

Deno.test("a11y: the transcript is not live; a hidden live region reads each finished turn whole", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const { page } = voice;
  // Record every text the live region ever held, from before the session starts.
  await page.evaluate(() => {
    const region = document.querySelector('[data-testid="turn-announcer"]')!;
    const said: string[] = [];
    (globalThis as unknown as { __said: string[] }).__said = said;
    new MutationObserver(() => said.push(region.textContent ?? "")).observe(region, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  const transcript = page.getByTestId("transcript");
  equal(await transcript.getAttribute("aria-live"), null);
  equal(await page.getByTestId("turn-announcer").getAttribute("aria-live"), "polite");
  await page.click('[data-testid="power"]');
  await page.waitForSelector(".turn-assistant:is(.turn-done, .turn-truncated)", { timeout: 30000 });
  await page.waitForTimeout(300);
  const said = await page.evaluate(() => (globalThis as unknown as { __said: string[] }).__said);
  const finished = await page.locator(".turn-assistant:is(.turn-done, .turn-truncated) .text")
    .allInnerTexts();
  ok(said.length > 0, "the live region spoke");
  // Each thing said is a whole turn: "You: …" or "Coach: …", never the "…" of a turn streaming.
  for (const text of said.filter((t) => t !== "")) match(text, /^(You|Coach): [^…]/);
  ok(
    said.some((text) => finished.some((turn) => text.startsWith(`Coach: ${turn}`))),
    `said ${JSON.stringify(said)}; finished ${JSON.stringify(finished)}`,
  );
  deepEqual(voice.errors, []);
});

Deno.test("a11y: connecting (the service has not answered yet)", async () => {
  await using upstream = new SilentUpstream();
  await using server = await startTestServer({
    OPENAI_API_KEY: "sk-test-a11y0123456789abcdef",
    REALTIME_URL: upstream.url,
    UPSTREAM_CONNECT_TIMEOUT_MS: "120000",
  });
  await using voice = await VoicePage.open(server.url);
  await voice.page.click('[data-testid="power"]');
  const problems = await audit(voice.page, "connecting", "connecting");
  equal(await voice.state(), "connecting");
  deepEqual(problems, []);
});

Deno.test("a11y: reconnecting, with its banner", async () => {
  const first = await startTestServer();
  await using voice = await VoicePage.open(first.url);
  await voice.startThenLose(first);
  await voice.page.getByRole("alert").waitFor();
  deepEqual(await audit(voice.page, "reconnecting", "reconnecting"), []);
});

Deno.test("a11y: the error banner of a blocked microphone", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url, { denyMicrophone: true });
  await voice.page.click('[data-testid="power"]');
  await voice.page.getByRole("alert").waitFor({ timeout: 10000 });
  deepEqual(await audit(voice.page, "error banner", "error"), []);
});

Deno.test("a11y: the access form, and its problem line", async () => {
  await using server = await startTestServer({ ACCESS_CODES: "class-a" });
  // Start stays disabled behind the form, so the page is opened without VoicePage.
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-island="VoiceSession"][data-hydrated="true"]');
    await page.getByTestId("access-form").waitFor();
    const problems = await audit(page, "access form");
    await page.fill('[data-testid="access-code"]', "wrong");
    await page.click('[data-testid="access-submit"]');
    await page.getByTestId("access-problem").waitFor({ timeout: 10000 });
    problems.push(...await audit(page, "access form with a problem"));
    deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
