/**
 * Delivery on the page, in headless Chromium with a recorded human reading as the microphone
 * and the built-in delivery coach: the user's turn gets a delivery card measured in the page,
 * the coach answers with spoken feedback naming a figure, and Stop shows the session summary,
 * whose JSON download holds the same turns.
 */
import { equal, match, ok } from "node:assert/strict";
import { startTestServer } from "@/testing/server.ts";
import { VoicePage } from "@/testing/voice_page.ts";

Deno.test("page: a spoken turn gets a delivery card, the coach's feedback and, after Stop, a summary", async () => {
  await using server = await startTestServer({ LOCAL_COACH: "delivery" });
  await using voice = await VoicePage.open(server.url, {
    microphone: "delivery/librivox_0890.wav",
    once: true,
  });
  await voice.start();

  // The card sits inside the user's bubble, measured from the audio the page sent.
  const card = voice.page.locator('[data-role="user"] [data-testid="delivery-card"]').first();
  await card.waitFor({ timeout: 30000 });
  const pace = await card.locator('[data-key="pace"] dd').textContent();
  const wpm = Number(/(\d+) words a minute/.exec(pace ?? "")?.[1]);
  ok(wpm >= 80 && wpm <= 260, `a reading pace in words a minute: ${pace}`);
  match(pace ?? "", /syllables/);

  // The coach answers with feedback that leads with a measured pace.
  const coach = voice.page.locator('[data-role="assistant"]', { hasText: "words a minute" });
  await coach.first().waitFor({ timeout: 30000 });
  const said = await coach.first().locator(".text").textContent();
  const spoken = Number(/About (\d+) words a minute/.exec(said ?? "")?.[1]);
  // Page and coach measure the same turn on either side of the wire (their spans can differ
  // by the turn's edges): the figures agree within one band step.
  ok(Math.abs(spoken - wpm) <= 20, `coach said ${spoken}, the card shows ${wpm}`);

  equal(await voice.page.locator('[data-testid="session-summary"]').count(), 0);
  await voice.page.click('[data-testid="power"]');
  const summary = voice.page.getByTestId("session-summary");
  await summary.waitFor({ timeout: 10000 });
  match(await summary.textContent() ?? "", /words a minute/);

  const [download] = await Promise.all([
    voice.page.waitForEvent("download"),
    voice.page.click('[data-testid="summary-download-json"]'),
  ]);
  const path = await download.path();
  const json = JSON.parse(await Deno.readTextFile(path!));
  const cards = await voice.page.locator('[data-testid="delivery-card"]').count();
  equal(json.turns, cards, "the summary counts the turns the cards show");
  ok(
    json.talkSeconds > 3 && json.talkSeconds < 6,
    `talk time of a 5.3 s reading: ${json.talkSeconds}`,
  );
  ok(voice.page.url().startsWith(server.url));
  equal(voice.errors.length, 0, voice.errors.join("\n"));
});
