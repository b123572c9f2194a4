/**
 * The voice page's layout in headless Chromium, on a desktop and a 390×844 phone: no control
 * moves when a session starts or a banner comes, the transcript starts on the phone's first
 * screen and follows the newest turn unless the user scrolled up to read, the developer
 * details live in Diagnostics (which starts afresh on Stop), and local mode says in one line
 * what the built-in coach does.
 *
 * @module
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { startTestServer } from "@/testing/server.ts";
import { VoicePage } from "@/testing/voice_page.ts";

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** How far a control may move (sub-pixel rounding, a font's hinting). */
const SLACK_PX = 2;

/** The controls a finger or a pointer may be on, by test id. */
const CONTROLS = ["power", "mic-level", "assistant-level", "ptt-toggle", "input-device"];

type Box = { x: number; y: number; width: number; height: number };

async function boxes(page: Page, ids: string[]): Promise<Record<string, Box>> {
  const out: Record<string, Box> = {};
  for (const id of ids) {
    const box = await page.getByTestId(id).boundingBox();
    ok(box, `${id} is laid out`);
    out[id] = box;
  }
  return out;
}

/** Each control that moved more than the slack, with how far. */
function moved(before: Record<string, Box>, after: Record<string, Box>): string[] {
  return Object.keys(before).flatMap((id) => {
    const a = before[id];
    const b = after[id];
    const far = Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));
    return far > SLACK_PX ? [`${id} moved ${far.toFixed(1)} px`] : [];
  });
}

for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
  Deno.test(`layout (${name}): no control moves when a session starts, and the Speaker select is there from page load`, async () => {
    await using server = await startTestServer();
    await using voice = await VoicePage.open(server.url);
    const { page } = voice;
    await page.setViewportSize(viewport);
    const ids = [...CONTROLS, "output-device"];
    const before = await boxes(page, ids);
    await page.click('[data-testid="power"]');
    // The pointer leaves the button (its hover grows it a little).
    await page.mouse.move(0, 0);
    for (const state of ["user-speaking", "assistant-speaking"]) {
      await voice.waitForState(state, 30000);
      const shifts = moved(before, await boxes(page, ids));
      deepEqual(shifts, [], `while ${state}: ${shifts.join(", ")}`);
    }
    // Usage figures have come by now; their line had its place from the start.
    await page.getByTestId("usage").waitFor({ timeout: 30000 });
    deepEqual(moved(before, await boxes(page, ids)), [], "with the usage line");
    deepEqual(voice.errors, []);
  });
}

Deno.test("layout: a banner does not move the push-to-talk hold button", async () => {
  const server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const { page } = voice;
  await page.setViewportSize(PHONE);
  await page.click('[data-testid="ptt-toggle"]');
  await voice.start();
  const before = await boxes(page, [...CONTROLS, "talk"]);
  equal(await page.getByRole("alert").count(), 0);
  // The server goes away: the reconnect banner comes.
  await server.shutdown();
  await page.getByRole("alert").waitFor({ timeout: 10000 });
  const banner = await page.getByRole("alert").boundingBox();
  ok(banner && banner.height > 20, "the banner is shown");
  deepEqual(moved(before, await boxes(page, [...CONTROLS, "talk"])), []);
});

/** Turns in the transcript, and where the list and its last turn are. */
function transcriptView(page: Page) {
  return page.evaluate(() => {
    const list = document.querySelector<HTMLElement>('[data-testid="transcript"]')!;
    const last = list.lastElementChild?.getBoundingClientRect();
    const box = list.getBoundingClientRect();
    return {
      turns: list.children.length,
      top: box.top,
      bottom: box.bottom,
      lastBottom: last?.bottom ?? null,
      scrollTop: list.scrollTop,
      overflow: list.scrollHeight - list.clientHeight,
    };
  });
}

Deno.test("layout (phone): the transcript starts on the first screen and follows the newest turn unless scrolled up", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const { page } = voice;
  await page.setViewportSize(PHONE);
  const start = await transcriptView(page);
  ok(start.top < PHONE.height * 0.6, `the transcript starts ${start.top} px down`);
  // Its whole scroll area fits on the screen, so the turn it follows is on the screen too.
  const maxHeight = await page.getByTestId("transcript").evaluate((list) =>
    parseFloat(getComputedStyle(list).maxHeight)
  );
  ok(start.top + maxHeight <= PHONE.height, `${start.top} + ${maxHeight} px`);
  await page.click('[data-testid="power"]');
  // Enough turns that the list scrolls.
  await page.waitForFunction(
    () => {
      const list = document.querySelector('[data-testid="transcript"]')!;
      return list.scrollHeight > list.clientHeight + 100;
    },
    undefined,
    { timeout: 90000 },
  );
  // Followed: the newest turn is in view, in the list and on the screen.
  const following = await transcriptView(page);
  ok(following.lastBottom !== null);
  ok(following.lastBottom <= following.bottom + 2, JSON.stringify(following));
  ok(following.lastBottom <= PHONE.height, JSON.stringify(following));
  ok(following.scrollTop > 0, "the list scrolled to its newest turn");

  // The user scrolls up to read: new turns do not pull the list down.
  await page.locator('[data-testid="transcript"]').evaluate((list) => list.scrollTop = 0);
  const turns = following.turns;
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="transcript"]')!.children.length > n + 1,
    turns,
    { timeout: 60000 },
  );
  equal((await transcriptView(page)).scrollTop, 0, "stays where the user is reading");

  // Back at the end, it follows again.
  await page.locator('[data-testid="transcript"]').evaluate((list) =>
    list.scrollTop = list.scrollHeight
  );
  const again = (await transcriptView(page)).turns;
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="transcript"]')!.children.length > n,
    again,
    { timeout: 60000 },
  );
  await page.waitForTimeout(100);
  const end = await transcriptView(page);
  ok(end.lastBottom !== null && end.lastBottom <= end.bottom + 2, JSON.stringify(end));
  deepEqual(voice.errors, []);
});

Deno.test("layout: the developer details are in Diagnostics, which starts afresh on Stop", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const { page } = voice;
  // No permission or "Using:" lines under the controls.
  equal(await page.locator(".controls").getByText("Microphone permission").count(), 0);
  equal(await page.locator(".controls").getByText("Using:").count(), 0);
  await page.click('[data-testid="power"]');
  await voice.waitForState("assistant-speaking", 30000);
  await page.locator('[data-testid="diagnostics"] summary').click();
  equal(await page.getByTestId("diag-permission").innerText(), "granted");
  ok((await page.getByTestId("diag-device-label").innerText()).length > 1);
  match(await page.getByTestId("diag-upstream").innerText(), /built-in coach/);
  ok(Number(await page.getByTestId("diag-framesSent").getAttribute("data-value")) > 0);
  equal(await page.getByTestId("diag-lastFrameBytes").getAttribute("data-value"), "960");

  await page.click('[data-testid="power"]');
  await voice.waitForState("off");
  await page.waitForTimeout(300);
  for (const key of ["framesSent", "framesDropped", "bargeIns", "underruns"]) {
    equal(await page.getByTestId(`diag-${key}`).getAttribute("data-value"), "0", key);
  }
  for (const key of ["lastFrameBytes", "sendGapP95Ms", "inputRate"]) {
    equal(await page.getByTestId(`diag-${key}`).getAttribute("data-value"), "", key);
  }
  const verdicts = await page.locator(".checks .verdict").allInnerTexts();
  ok(verdicts.every((v) => v !== "Fail"), verdicts.join(", "));
  deepEqual(voice.errors, []);
});

Deno.test("local mode explains itself in one line; with a real model the line is gone", async () => {
  await using local = await startTestServer({ LOCAL_COACH: "delivery" });
  const html = await (await fetch(local.url)).text();
  match(
    html,
    /data-testid="local-mode"[^>]*>Local mode: the built-in coach measures your pace, pauses, loudness and pitch variety and tells you\. Set <code>OPENAI_API_KEY<\/code>/,
  );
  await using echo = await startTestServer({ LOCAL_COACH: "echo" });
  match(await (await fetch(echo.url)).text(), /the built-in coach plays back what you said/);

  const key = "sk-test-layout0123456789abcdef";
  await using real = await startTestServer({ OPENAI_API_KEY: key });
  const realHtml = await (await fetch(real.url)).text();
  equal(realHtml.includes('data-testid="local-mode"'), false);
  equal(realHtml.includes(key), false);
});
