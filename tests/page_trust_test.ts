/**
 * A page people can trust, in headless Chromium with recorded speech as the microphone: a
 * typed message answered, the coach meter at zero right after a barge-in, push-to-talk and
 * mute that say (and show) that nothing is sent, the reconnect banner's words and its Retry
 * now, the HTTPS message on a plain-http origin, and the server's own start failure as one
 * line naming PORT.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import { denoRunArgs } from "@/testing/server_process.ts";
import { startTestServer } from "@/testing/server.ts";
import { VoicePage } from "@/testing/voice_page.ts";
import { sleep } from "@/testing/wait.ts";

Deno.test("page: a typed message goes as the user's turn and the coach answers it", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  // Push-to-talk at rest sends nothing, so the only turn is the typed one.
  await voice.start({ pushToTalk: true });
  const input = voice.page.getByTestId("text-input");
  equal(await input.getAttribute("maxlength"), String(MAX_TYPED_TEXT_CHARS));
  await input.fill("How was my pace just now?");
  await input.press("Enter");
  equal(await input.inputValue(), "", "the box empties once sent");
  const user = voice.page.locator('[data-role="user"]', { hasText: "How was my pace just now?" });
  await user.waitFor({ timeout: 10000 });
  await voice.page.waitForFunction(
    () =>
      (globalThis as unknown as { __voiceLog: { received: { data: string }[] } }).__voiceLog
        .received.some((r) => r.data.includes('"type":"response.done"')),
    undefined,
    { timeout: 20000 },
  );
  const sent = (await voice.sentEvents()).map((s) => s.event).filter((e) =>
    e.type !== "session.update"
  );
  deepEqual(sent.slice(0, 2), [
    {
      type: "conversation.item.create",
      item: {
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: "How was my pace just now?" }],
      },
    },
    { type: "response.create" },
  ]);
  const received = (await voice.receivedEvents()).map((r) => r.event);
  deepEqual(received.filter((e) => e.type === "error"), []);
  // The answer sits below the typed turn, and it was heard.
  const roles = await voice.page.locator("[data-role]").evaluateAll((els) =>
    els.map((el) => el.getAttribute("data-role"))
  );
  equal(roles[0], "user");
  ok(roles.slice(1).includes("assistant"), roles.join(","));
  const done = received.find((e) => e.type === "response.done") as unknown as {
    response: { status: string };
  };
  equal(done.response.status, "completed");
  await voice.page.waitForFunction(
    () => !/No answer/.test(document.querySelector('[data-testid="latency"]')!.textContent!),
    undefined,
    { timeout: 10000 },
  );
  match(
    (await voice.page.getByTestId("latency").textContent())!,
    /^Last turn: \d+ ms to the first audio from the server, (\d+ ms to the first sound|not heard yet)/,
  );
  deepEqual(voice.errors, []);
});

Deno.test("page: the coach meter falls to zero within 100 ms of a barge-in", async () => {
  await using server = await startTestServer();
  // The looping microphone speaks again while the echo of the previous turn plays.
  await using voice = await VoicePage.open(server.url);
  const { log, truncate, speechStarted: bargeIn } = await voice.untilBargeIn(1000);
  // The meter moved while the coach spoke, and was down within 100 ms of the barge-in.
  const speaking = log.states.filter((s) => s.state === "assistant-speaking" && s.t < bargeIn.t)
    .at(-1)!;
  const heard = log.assistantLevels.filter((l) => l.t >= speaking.t && l.t < bargeIn.t);
  ok(heard.some((l) => l.v > 0.2), `meter while the coach spoke: ${heard.map((l) => l.v)}`);
  // The meter's value is its last change: zero at the barge-in already, or its first zero after.
  const atBargeIn = log.assistantLevels.filter((l) => l.t <= bargeIn.t).at(-1)!;
  const zero = atBargeIn.v === 0
    ? { t: bargeIn.t, v: 0 }
    : log.assistantLevels.find((l) => l.t >= bargeIn.t && l.v === 0);
  ok(zero !== undefined, "the meter never fell to zero");
  const ms = zero.t - bargeIn.t;
  ok(ms <= 100, `the coach meter fell to zero ${ms.toFixed(0)} ms after the barge-in`);
  // …and stayed there until the coach spoke again.
  const next = log.states.find((s) => s.t > zero.t && s.state === "assistant-speaking");
  const relit = log.assistantLevels.filter((l) =>
    l.t > zero.t && l.v > 0 && (next === undefined || l.t < next.t)
  );
  deepEqual(relit, [], "the meter lit up again while the coach was silent");
  // The interrupted answer ends cleanly: a mark, no open bracket.
  const item = truncate.event.item_id as string;
  const turn = voice.page.locator(`[data-item-id="${item}"]`);
  equal(await turn.getByTestId("turn-mark").innerText(), "interrupted");
  const text = await turn.locator(".text").innerText();
  equal((text.match(/\(/g) ?? []).length, (text.match(/\)/g) ?? []).length, text);
  deepEqual(voice.errors, []);
});

Deno.test("page: push-to-talk at rest and mute say so, dim the meter and send nothing", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  await voice.start({ pushToTalk: true });
  const status = voice.page.locator("#voice-status");
  equal((await status.innerText()).trim(), "Hold to talk");
  match((await voice.page.getByTestId("power").getAttribute("class"))!, /power-ptt/);
  const mic = voice.page.getByTestId("mic-level");
  equal(await mic.getAttribute("data-sending"), "false");
  // Hands-free again: sending, and it reads as listening.
  await voice.page.uncheck('[data-testid="ptt-toggle"]');
  await voice.page.waitForSelector('[data-testid="mic-level"][data-sending="true"]');
  match(await status.innerText(), /Listening/);
  // Muted: the session stays, nothing is sent, the state line says so.
  const mute = voice.page.getByTestId("mute");
  await mute.click();
  equal(await mute.getAttribute("aria-pressed"), "true");
  await voice.page.waitForSelector('[data-testid="mic-level"][data-sending="false"]');
  match(await status.innerText(), /^Muted/);
  match((await voice.page.getByTestId("power").getAttribute("class"))!, /power-muted/);
  await sleep(200);
  const before = (await voice.log()).sent.length;
  await sleep(1500);
  const during = (await voice.sentEvents()).slice(before).map((s) => s.event.type);
  deepEqual(during, [], "nothing is sent while muted");
  ok((await voice.state()) !== "off", "the session stays");
  await mute.click();
  await voice.page.waitForSelector('[data-testid="mic-level"][data-sending="true"]');
  await sleep(500);
  ok((await voice.log()).sent.length > before + 10, "audio flows again after unmute");
  deepEqual(voice.errors, []);
});

Deno.test("page: the reconnect banner counts in words and seconds, pauses the microphone, and Retry now reconnects at once", async () => {
  const first = await startTestServer();
  const port = first.port;
  await using voice = await VoicePage.open(first.url);
  let tickets = 0;
  voice.page.on("request", (req) => {
    if (req.url().endsWith("/api/session")) tickets++;
  });
  await voice.startThenLose(first);
  const alert = voice.page.getByRole("alert");
  // The banner counts a later retry's longer wait down, second by second.
  const seconds = () =>
    voice.page.evaluate(() => {
      const text = document.querySelector('[role="alert"]')?.textContent ?? "";
      const m = /trying again in (\d+) s \(attempt \d+\)/.exec(text);
      return m === null ? 0 : Number(m[1]);
    });
  await voice.page.waitForFunction(
    () =>
      /trying again in ([4-9]|\d\d) s/.test(
        document.querySelector('[role="alert"]')?.textContent ?? "",
      ),
    undefined,
    { timeout: 30000 },
  );
  const counted = await seconds();
  await voice.page.waitForFunction(
    (counted) =>
      new RegExp(`trying again in ${counted - 1} s`).test(
        document.querySelector('[role="alert"]')?.textContent ?? "",
      ),
    counted,
    { timeout: 3000 },
  );
  const text = await alert.innerText();
  match(text, /^Connection lost — trying again in \d+ s \(attempt \d+\)\./);
  match(text, /Microphone paused until the connection is back/);
  equal(await voice.page.getByTestId("mic-level").getAttribute("data-sending"), "false");
  equal(await voice.page.getByTestId("banner-stop").count(), 1);
  // Nothing is sent (or queued to go stale) while the connection is down.
  const sentBefore = (await voice.log()).sent.length;
  await using second = await startTestServer({ PORT: String(port) });
  const asked = tickets;
  await voice.page.getByTestId("retry-now").click();
  // More than 2 s were left: a ticket within 1 s comes from Retry now.
  for (let i = 0; i < 20 && tickets === asked; i++) await sleep(50);
  ok(tickets > asked, "Retry now asked for a ticket at once");
  await voice.waitForRunning(10000);
  const afterOutage = (await voice.sentEvents()).slice(sentBefore);
  const firstAppend = afterOutage.findIndex((s) => s.event.type === "input_audio_buffer.append");
  ok(firstAppend >= 0, "audio flows again");
  equal(second.state.sessions.size, 1);
  deepEqual(voice.errors, []);
});

Deno.test("page: the reconnect banner's Stop ends the session", async () => {
  const first = await startTestServer();
  await using voice = await VoicePage.open(first.url);
  await voice.startThenLose(first);
  await voice.page.getByTestId("banner-stop").click();
  await voice.waitForState("off");
  equal(await voice.page.getByRole("alert").count(), 0);
  deepEqual(voice.errors, []);
});

Deno.test("page: opened over plain http from another name, it says HTTPS (or localhost) is needed", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(`http://coach.test:${server.port}/`, {
    args: ["--host-resolver-rules=MAP coach.test 127.0.0.1"],
    waitReady: false,
  });
  equal(await voice.page.evaluate(() => isSecureContext), false);
  const alert = voice.page.getByRole("alert");
  await alert.waitFor({ timeout: 10000 });
  const text = await alert.innerText();
  match(text, /needs HTTPS \(or localhost\)/);
  equal(/current Chrome/.test(text), false, text);
  equal(await voice.page.getByTestId("power").isDisabled(), true);
  deepEqual(voice.errors, []);
});

Deno.test("the server's start on a port in use fails with one line naming PORT", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: denoRunArgs("main.ts"),
      env: { PORT: String(taken.addr.port), HOSTNAME: "127.0.0.1", KV_PATH: ":memory:" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    equal(code, 1);
    const lines = new TextDecoder().decode(stderr).trim().split("\n");
    equal(lines.length, 1, lines.join("\n"));
    match(lines[0], new RegExp(`port ${taken.addr.port} is already in use.*set PORT`));
  } finally {
    taken.close();
  }
});

Deno.test("page: with the server down at Start, it says the server cannot be reached and offers Retry", async () => {
  const server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  await server.shutdown();
  await voice.page.click('[data-testid="power"]');
  const alert = voice.page.getByRole("alert");
  await alert.waitFor({ timeout: 15000 });
  await voice.page.waitForFunction(
    () => /cannot be reached/.test(document.querySelector('[role="alert"]')!.textContent!),
    undefined,
    { timeout: 15000 },
  );
  const text = await alert.innerText();
  equal(/deno task build/.test(text), false, text);
  ok(
    await voice.page.getByTestId("retry").count() +
        await voice.page.getByTestId("retry-now").count() ===
      1,
    "one way to retry",
  );
  deepEqual(voice.errors, []);
});
