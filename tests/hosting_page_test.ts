/**
 * The page side of hosting for many (access codes, the day's budget, usage), end to end:
 * headless Chromium with recorded speech as the microphone, the real server with
 * `ACCESS_CODES` and a budget of a few seconds, the relay and the embedded emulator.
 */
import { equal, match, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchBrowser } from "@/testing/browser.ts";
import { fixturePath } from "@/testing/fixtures.ts";
import { startTestServer } from "@/testing/server.ts";
import { sleep } from "@/testing/wait.ts";

/** The budget: 0.35 min = 21 s of session time, enough for a turn and its answer. */
const DAILY_MINUTES = "0.35";

Deno.test("the page renders the code form on the server only when codes are on and none is held", async () => {
  await using open = await startTestServer();
  const openHtml = await (await fetch(open.url)).text();
  equal(openHtml.includes('data-testid="access-code"'), false);
  match(openHtml, /"accessRequired":false/);

  await using closed = await startTestServer({ ACCESS_CODES: "class-a" });
  const html = await (await fetch(closed.url)).text();
  match(html, /<input[^>]*data-testid="access-code"/);
  match(html, /<button[^>]*data-testid="access-submit"/);
  match(html, /"accessRequired":true,"accessGranted":false/);

  const res = await fetch(new URL("/api/access", closed.url), {
    method: "POST",
    headers: { origin: closed.url, "content-type": "application/json" },
    body: JSON.stringify({ code: "class-a" }),
  });
  equal(res.status, 204);
  const cookie = res.headers.get("set-cookie")!.split(";")[0];
  const granted = await (await fetch(closed.url, { headers: { cookie } })).text();
  equal(granted.includes('data-testid="access-code"'), false);
  match(granted, /"accessRequired":true,"accessGranted":true/);
  // A forged cookie is no access.
  const forged = await (await fetch(closed.url, { headers: { cookie: `${cookie}x` } })).text();
  match(forged, /"accessGranted":false/);
});

/** The POST /api/session requests the page makes, in order. */
function countTickets(page: Page): { count: () => number } {
  let count = 0;
  page.on("request", (req) => {
    if (req.method() === "POST" && new URL(req.url()).pathname === "/api/session") count++;
  });
  return { count: () => count };
}

Deno.test("voice page with access codes and a budget: code form, time left, usage, budget banner, no reconnect", async () => {
  await using server = await startTestServer({
    ACCESS_CODES: "class-a",
    DAILY_MINUTES_PER_CLIENT: DAILY_MINUTES,
  });
  const browser = await launchBrowser({ fakeMicrophone: fixturePath("speech_48k.wav") });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    const tickets = countTickets(page);
    const received: string[] = [];
    page.on("websocket", (ws) => {
      ws.on("framereceived", ({ payload }) => {
        if (typeof payload === "string" && payload.includes('"type":"relay.')) {
          received.push(payload);
        }
        if (typeof payload === "string" && payload.includes("relay_budget_exhausted")) {
          received.push(payload);
        }
      });
    });
    await page.goto(server.url);
    await page.waitForSelector('[data-island="VoiceSession"][data-hydrated="true"]');

    // The code form instead of Start.
    const code = page.getByTestId("access-code");
    await code.waitFor();
    ok(await page.getByTestId("power").isDisabled(), "Start waits for the code");

    // A wrong code: the form says so, Start stays disabled.
    await code.fill("class-b");
    await page.getByTestId("access-submit").click();
    await page.getByTestId("access-problem").waitFor();
    match(await page.getByTestId("access-problem").innerText(), /not right/);
    ok(await page.getByTestId("power").isDisabled(), "still no Start after a wrong code");

    // The right one: the form goes, Start is enabled.
    await code.fill("class-a");
    await page.getByTestId("access-submit").click();
    await page.waitForSelector('[data-testid="power"]:not([disabled])', { timeout: 5000 });
    equal(await page.getByTestId("access-form").count(), 0);
    equal(tickets.count(), 0, "no ticket asked for before Start");

    // Start: the budget is under two minutes, so the time left shows at once.
    await page.getByTestId("power").click();
    await page.getByTestId("time-left").waitFor({ timeout: 15000 });
    match(
      await page.getByTestId("time-left").innerText(),
      /^Less than a minute of coaching left today$/,
    );

    // A turn and its answer: the usage line.
    await page.getByTestId("usage").waitFor({ timeout: 30000 });
    match(
      await page.getByTestId("usage").innerText(),
      // Local mode bills nothing: the built-in coach's usage is priced at zero.
      /^This session: (under 1 min|\d+ min) · [\d,]+ tokens? · no cost$/,
    );
    // Diagnostics: responses, tokens by kind, the price table.
    await page.locator('[data-testid="diagnostics"] summary').click();
    ok(Number(await page.getByTestId("usage-responses").innerText()) >= 1);
    match(await page.getByTestId("usage-tokens-output_audio").innerText(), /^[\d,]+$/);
    equal(
      await page.getByTestId("usage-price-table").innerText(),
      "none: the built-in coach is free",
    );

    // The budget runs out: the friendly banner, and no reconnect.
    const banner = page.locator('[role="alert"][data-banner="budget"]');
    await banner.waitFor({ timeout: 40000 });
    match(
      await banner.innerText(),
      /That's all the coaching time for today\. It comes back at .+ \(your local time\)/,
    );
    ok(
      received.some((r) => r.includes('"type":"relay.budget"')),
      `relay.budget received: ${received.join("\n")}`,
    );
    ok(received.some((r) => r.includes("relay_budget_exhausted")), "the exhaustion error");
    const ticketsAtEnd = tickets.count();
    equal(ticketsAtEnd, 1);
    await page.waitForSelector('[data-voice-state="error"]', { timeout: 5000 });
    await sleep(3000);
    equal(tickets.count(), ticketsAtEnd, "no /api/session request after the 4008");
    equal(await page.getByTestId("power").getAttribute("aria-pressed"), "false");

    // A reload: the cookie is still good (no form), and a new Start is refused with a 429
    // for the spent budget: the banner again, one request, no retry.
    await page.reload();
    await page.waitForSelector('[data-testid="power"]:not([disabled])', { timeout: 5000 });
    equal(await page.getByTestId("access-code").count(), 0);
    const before = tickets.count();
    await page.getByTestId("power").click();
    await banner.waitFor({ timeout: 10000 });
    await sleep(2000);
    equal(tickets.count(), before + 1, "one ticket request, no retry after the budget 429");
    equal(problems.length, 0, problems.join("\n"));
  } finally {
    await browser.close();
  }
});

Deno.test("voice page: access that lapsed brings the code form back, without a reconnect loop", async () => {
  await using server = await startTestServer({ ACCESS_CODES: "class-a" });
  const browser = await launchBrowser({ fakeMicrophone: fixturePath("speech_48k.wav") });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    const tickets = countTickets(page);
    await page.goto(server.url);
    await page.waitForSelector('[data-island="VoiceSession"][data-hydrated="true"]');
    await page.getByTestId("access-code").fill("class-a");
    await page.getByTestId("access-submit").click();
    await page.waitForSelector('[data-testid="power"]:not([disabled])', { timeout: 5000 });
    // The cookie goes (as when it expires): the server refuses the ticket with access_required.
    await context.clearCookies();
    await page.getByTestId("power").click();
    await page.getByTestId("access-problem").waitFor({ timeout: 15000 });
    match(await page.getByTestId("access-problem").innerText(), /expired/);
    ok(await page.getByTestId("power").isDisabled(), "Start waits for the code again");
    await page.waitForSelector('[data-voice-state="off"]', { timeout: 5000 });
    await sleep(2000);
    equal(tickets.count(), 1, "one refused ticket request, no retry");
    // The code again, and the session starts.
    await page.getByTestId("access-code").fill("class-a");
    await page.getByTestId("access-submit").click();
    await page.waitForSelector('[data-testid="power"]:not([disabled])', { timeout: 5000 });
    await page.getByTestId("power").click();
    await page.waitForSelector(
      '[data-voice-state="listening"], [data-voice-state="user-speaking"]',
      { timeout: 15000 },
    );
    equal(tickets.count(), 2);
    equal(problems.length, 0, problems.join("\n"));
  } finally {
    await browser.close();
  }
});
