/**
 * The voice island end to end: headless Chromium with recorded speech (espeak-ng) as the
 * microphone, the real server, the relay and the embedded emulator on loopback.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { decodeBase64 } from "@/lib/shared/base64.ts";
import { readWav } from "@/lib/server/wav.ts";
import { compareRecording, mismatch } from "@/testing/alignment.ts";
import { fixturePath } from "@/testing/fixtures.ts";
import { startTestServer } from "@/testing/server.ts";
import { median, percentile } from "@/testing/stats.ts";
import { tempDir } from "@/testing/temp_dir.ts";
import { base64AudioMs, VoicePage } from "@/testing/voice_page.ts";
import { sleep } from "@/testing/wait.ts";

for (const microphone of ["speech_48k.wav", "speech_44k.wav"]) {
  Deno.test(`voice page (${microphone}): wire contract, states off → connecting → listening → user-speaking → assistant-speaking, audio played`, async () => {
    await using server = await startTestServer();
    await using voice = await VoicePage.open(server.url, { microphone });
    equal(await voice.state(), "off");
    await voice.page.click('[data-testid="power"]');
    // In this order, each possibly briefly (a state that lasts less than a frame is not drawn,
    // so the first turn may skip "listening"; the looping microphone gives more turns).
    const expected = ["off", "connecting", "listening", "user-speaking", "assistant-speaking"];
    await voice.page.waitForFunction(
      (expected) => {
        const states = (globalThis as unknown as { __voiceLog: { states: { state: string }[] } })
          .__voiceLog.states;
        let at = 0;
        for (const { state } of states) if (state === expected[at]) at++;
        return at === expected.length;
      },
      expected,
      { timeout: 30000 },
    );
    await sleep(500);
    const log = await voice.log();
    const states = log.states.map((s) => s.state);
    let at = 0;
    for (const state of states) if (state === expected[at]) at++;
    equal(at, expected.length, `states went ${states.join(" → ")}`);
    equal(states.includes("error") || states.includes("reconnecting"), false);
    ok(log.maxAssistantLevel > 0.2, `assistant level peaked at ${log.maxAssistantLevel}`);

    // Every frame the page sent is a JSON text frame; appends are exactly 960 bytes.
    equal(log.sent.filter((s) => s.binary).length, 0);
    const sent = await voice.sentEvents();
    const appends = sent.filter((s) => s.event.type === "input_audio_buffer.append");
    ok(appends.length > 100, `${appends.length} appends`);
    for (const { event } of appends) {
      deepEqual(Object.keys(event).sort(), ["audio", "type"]);
      equal(decodeBase64(event.audio as string).length, 960);
    }
    // Server VAD: the page never commits.
    equal(sent.filter((s) => s.event.type === "input_audio_buffer.commit").length, 0);
    // A steady ~20 ms cadence once streaming (the first frames wait for the socket).
    const times = appends.map((a) => a.t).slice(appends.length - 100);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const middle = median(gaps);
    const p95 = percentile(gaps.toSorted((a, b) => a - b), 95);
    ok(middle > 12 && middle < 28, `median gap ${middle.toFixed(1)} ms`);
    // Thresholds far from the measured values (median 20 ms, p95 30–40 ms) so that a loaded
    // machine does not fail them, yet the seed's 120 ms batching (five gaps of ~0 ms, then one
    // of 120 ms) fails all three.
    ok(p95 <= 60, `p95 gap ${p95.toFixed(1)} ms`);
    const bursty = gaps.filter((g) => g < 5).length / gaps.length;
    ok(bursty <= 0.15, `${(bursty * 100).toFixed(0)} % of gaps under 5 ms`);
    const diag = async (key: string) =>
      Number(await voice.page.getAttribute(`[data-testid="diag-${key}"]`, "data-value"));
    equal(await diag("lastFrameBytes"), 960);
    equal(await diag("framesDropped"), 0);
    // 0 on a clean run (the figure below). With both cores saturated by other work (two busy
    // loops beside the test), Chromium's audio thread once ran the buffer dry; the jitter policy
    // then grows the pre-roll (jitter_policy_test.ts). One is allowed, a habit is not.
    const underruns = await diag("underruns");
    ok(underruns <= 1, `${underruns} playback underruns`);
    // deno-lint-ignore no-console
    console.log(
      `[figures] ${microphone}: send gap median ${middle.toFixed(1)} ms, p95 ${
        p95.toFixed(1)
      } ms; ` +
        `capture→send p95 ${
          (await diag("captureToSendP95Ms")).toFixed(1)
        } ms; underruns ${underruns}`,
    );
    deepEqual(voice.errors, []);
  });
}

Deno.test("voice page: barge-in during the echo reply stops playback and truncates what was heard", async () => {
  await using server = await startTestServer();
  // The looping microphone speaks again while the echo of the previous turn plays.
  await using voice = await VoicePage.open(server.url);
  const { log, sent, received, truncate, speechStarted: started } = await voice.untilBargeIn(500);
  const itemId = truncate.event.item_id as string;
  const audioEndMs = truncate.event.audio_end_ms as number;
  equal(truncate.event.content_index, 0);
  ok(Number.isInteger(audioEndMs) && audioEndMs > 0, `audio_end_ms ${audioEndMs}`);
  // Plausible: no more than was received, and about as long as the assistant was heard.
  const receivedMs = received
    .filter((r) => r.event.type === "response.output_audio.delta" && r.event.item_id === itemId)
    .reduce((n, r) => n + base64AudioMs(r.event.delta as string), 0);
  ok(audioEndMs <= receivedMs, `truncate ${audioEndMs} ms > received ${receivedMs} ms`);
  const speaking = log.states.filter((s) => s.state === "assistant-speaking" && s.t < truncate.t)
    .at(-1)!;
  const heardMs = truncate.t - speaking.t;
  ok(
    Math.abs(audioEndMs - heardMs) <= 250,
    `audio_end_ms ${audioEndMs} vs ${heardMs.toFixed(0)} ms heard`,
  );
  // The barge-in came from the server's speech_started, and playback stopped at once.
  ok(
    truncate.t - started.t < 50,
    `truncate sent ${(truncate.t - started.t).toFixed(0)} ms after speech_started`,
  );
  const after = log.states.find((s) => s.t >= started.t);
  equal(after?.state, "user-speaking");
  // The service accepted it: truncated, and no error.
  ok(
    received.some((r) =>
      r.event.type === "conversation.item.truncated" && r.event.item_id === itemId
    ),
  );
  deepEqual(received.filter((r) => r.event.type === "error").map((r) => r.event), []);
  // Server VAD cancels the response itself: the page sends no response.cancel.
  equal(sent.filter((s) => s.event.type === "response.cancel").length, 0);
  ok(await voice.page.locator(`[data-item-id="${itemId}"].turn-truncated`).count() === 1);
  deepEqual(voice.errors, []);
});

Deno.test("voice page: push-to-talk sends audio only while held, then commits and asks for a response", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  await voice.start({ pushToTalk: true });
  await sleep(300);
  const before = (await voice.sentEvents()).length;
  await sleep(1000);
  const idle = (await voice.sentEvents()).slice(before);
  deepEqual(idle.map((s) => s.event.type), [], "nothing is sent while the button is up");
  const talk = voice.page.getByTestId("talk");
  await talk.hover();
  await voice.page.mouse.down();
  await voice.waitForState("user-speaking");
  await sleep(2500);
  await voice.page.mouse.up();
  await voice.waitForState("assistant-speaking", 10000);
  const sent = (await voice.sentEvents()).map((s) => s.event);
  const update = sent.find((e) => e.type === "session.update")!;
  // deno-lint-ignore no-explicit-any
  equal((update as any).session.audio.input.turn_detection, null);
  const types = sent.slice(sent.indexOf(update)).map((e) => e.type).filter((t) =>
    t !== "input_audio_buffer.append"
  );
  deepEqual(types, [
    "session.update",
    "input_audio_buffer.clear",
    "input_audio_buffer.commit",
    "response.create",
  ]);
  const appends = sent.filter((e) => e.type === "input_audio_buffer.append").length;
  ok(appends >= 100 && appends <= 150, `${appends} appends for 2.5 s held`);
  const received = (await voice.receivedEvents()).map((r) => r.event);
  ok(received.some((e) => e.type === "input_audio_buffer.committed"));
  equal(received.filter((e) => e.type === "error").length, 0);
  deepEqual(voice.errors, []);
});

Deno.test("voice page: a denied microphone shows a banner with steps and Retry, and nothing crashes", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url, { denyMicrophone: true });
  await voice.page.click('[data-testid="power"]');
  const alert = voice.page.getByRole("alert");
  await alert.waitFor({ timeout: 10000 });
  const text = await alert.innerText();
  ok(/microphone is blocked/i.test(text), text);
  ok(/Allow/.test(text), text);
  equal(await voice.page.getByTestId("retry").count(), 1);
  equal(await voice.state(), "error");
  equal((await voice.sentEvents()).length, 0);
  deepEqual(voice.errors, []);
});

Deno.test("voice page: when the server goes away the page shows reconnecting, then recovers when it returns", async () => {
  const first = await startTestServer();
  const port = first.port;
  await using voice = await VoicePage.open(first.url);
  await voice.startThenLose(first);
  equal(await voice.page.getByRole("alert").count(), 1);
  await sleep(800);
  await using second = await startTestServer({ PORT: String(port) });
  await voice.page.waitForFunction(
    () =>
      ["listening", "user-speaking", "assistant-speaking"].includes(
        document.querySelector("[data-voice-state]")!.getAttribute("data-voice-state")!,
      ),
    undefined,
    { timeout: 20000 },
  );
  // A new server has a new secret: the resume token is refused, and the page says so.
  await voice.waitForNotice("Started a new conversation");
  const sessions = (await voice.receivedEvents()).filter((r) => r.event.type === "session.created");
  equal(sessions.length, 2);
  const t = (await voice.log()).sent.length;
  await sleep(500);
  ok((await voice.log()).sent.length > t + 10, "audio flows again after recovery");
  equal(second.state.sessions.size, 1);
  deepEqual(voice.errors, []);
});

Deno.test("voice page: what reached upstream matches the fixture resampled by sox (raw microphone)", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const reference = `${dir}/reference_24k.wav`;
  const sox = await new Deno.Command("sox", {
    args: [fixturePath("speech_48k.wav"), "-r", "24000", reference],
  }).output();
  ok(sox.success, new TextDecoder().decode(sox.stderr));
  await using server = await startTestServer({ RECORD_DIR: dir });
  await using voice = await VoicePage.open(server.url, { once: true });
  await voice.page.locator('[data-testid="diagnostics"] summary').click();
  await voice.page.check('[data-testid="raw-input"]');
  await voice.start();
  await sleep(11000);
  const dropped = await voice.page.getAttribute('[data-testid="diag-framesDropped"]', "data-value");
  await voice.page.click('[data-testid="power"]');
  await voice.waitForState("off");
  equal(dropped, "0", "the page dropped frames (its send queue overflowed)");
  for (let i = 0; i < 100 && server.state.sessions.size > 0; i++) await sleep(20);
  // Nor did the relay: a step in the alignment below then comes from the capture device.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  equal(
    /relay_shed_total\{direction="browser_to_upstream"[^}]*\} [1-9]/.test(metrics),
    false,
    `the relay shed audio: ${
      metrics.split("\n").filter((l) => l.startsWith("relay_shed")).join("; ")
    }`,
  );
  const name = [...Deno.readDirSync(dir)].map((e) => e.name).find((f) => f.endsWith(".input.wav"))!;
  const got = readWav(await Deno.readFile(`${dir}/${name}`)).samples;
  const want = readWav(await Deno.readFile(reference)).samples;
  ok(got.length > want.length * 0.8, `recorded ${got.length} samples`);
  // The recording starts wherever the socket opened: align, then compare second by second.
  const c = compareRecording(want, got);
  // deno-lint-ignore no-console
  console.log(
    `[figures] correlation of upstream audio with the sox reference: ${c.r.toFixed(4)} whole ` +
      `file; ${c.good.length}/${c.segments.length} speech seconds at r ≥ 0.95, ${c.steps} ` +
      `capture-buffer step(s) (${
        c.segments.map((s) => `${s.r.toFixed(3)}@${s.lag - c.lag0}`).join(" ")
      })`,
  );
  equal(mismatch(c), undefined);
  deepEqual(voice.errors, []);
});

Deno.test("voice page: a refused session says why, never retries by itself, and Retry tries again", async () => {
  await using server = await startTestServer({ ALLOWED_ORIGINS: "https://elsewhere.example" });
  await using voice = await VoicePage.open(server.url);
  let tickets = 0;
  voice.page.on("request", (req) => {
    if (req.url().endsWith("/api/session")) tickets++;
  });
  await voice.page.click('[data-testid="power"]');
  const alert = voice.page.getByRole("alert");
  await alert.waitFor({ timeout: 10000 });
  ok(/HTTP 403/.test(await alert.innerText()), await alert.innerText());
  equal(await voice.state(), "error");
  await sleep(1500);
  equal(tickets, 1, "no automatic retry after a refusal");
  await voice.page.getByTestId("retry").click();
  for (let i = 0; i < 50 && tickets < 2; i++) await sleep(100);
  equal(tickets, 2);
  deepEqual(voice.errors, []);
});
