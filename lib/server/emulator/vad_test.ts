import { deepEqual, equal, ok, rejects, throws } from "node:assert/strict";
import fc from "fast-check";
import { readWav } from "../wav.ts";
import { Resampler } from "../../shared/resampler.ts";
import { floatToPcm16Into } from "../../shared/pcm16.ts";
import { concat } from "@/testing/bytes.ts";
import { fixturePath, readFixtureJson, type SpeechTruth as Truth } from "@/testing/fixtures.ts";
import { type VadEvent, type VadOptions, VoiceActivityDetector } from "./vad.ts";

const RATE = 24000;
const DEFAULTS: VadOptions = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 };
/** Tolerances of the brief: onset ±150 ms, end ±250 ms. */
const START_TOLERANCE_MS = 150;
const END_TOLERANCE_MS = 250;

function loadWav(name: string): Int16Array {
  const wav = readWav(Deno.readFileSync(fixturePath(name)));
  equal(wav.sampleRate, RATE, `${name} should be 24 kHz`);
  equal(wav.channels, 1, `${name} should be mono`);
  return wav.samples;
}

const SPEECH = loadWav("speech_24k.wav");
const SPEECH_TRUTH = await readFixtureJson<Truth>("speech_24k.json");
const NOISE = loadWav("noise_24k.wav");
const PAUSE = loadWav("pause_24k.wav");
const PAUSE_TRUTH = await readFixtureJson<Truth>("pause_24k.json");

/** Pushes `samples` in chunks whose sizes cycle through `sizes`; returns every event. */
function feed(
  vad: VoiceActivityDetector,
  samples: Int16Array,
  sizes: number[] = [480],
): VadEvent[] {
  const events: VadEvent[] = [];
  let k = 0;
  for (let i = 0; i < samples.length; k++) {
    const size = sizes[k % sizes.length];
    events.push(...vad.push(samples.subarray(i, i + size)));
    i += size;
  }
  return events;
}

async function detect(
  samples: Int16Array,
  options: Partial<VadOptions> = {},
  sizes?: number[],
): Promise<VadEvent[]> {
  const vad = await VoiceActivityDetector.create({ ...DEFAULTS, ...options });
  try {
    return feed(vad, samples, sizes);
  } finally {
    vad.close();
  }
}

/** Splits events into [audioStartMs, audioEndMs] turns, checking they alternate. */
function turns(events: VadEvent[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < events.length; i += 2) {
    const start = events[i];
    const stop = events[i + 1];
    equal(
      start.type,
      "speech_started",
      `event ${i} should start a turn: ${JSON.stringify(events)}`,
    );
    ok(stop !== undefined, `turn ${i / 2} never stopped: ${JSON.stringify(events)}`);
    equal(stop.type, "speech_stopped", `event ${i + 1} should stop a turn`);
    if (start.type !== "speech_started" || stop.type !== "speech_stopped") {
      throw new Error("unreachable");
    }
    ok(stop.audioEndMs > start.audioStartMs, `turn ${i / 2} ends before it starts`);
    out.push([start.audioStartMs, stop.audioEndMs]);
  }
  return out;
}

/** Asserts the turns match the ground truth within the brief's tolerances. */
function assertMatchesTruth(events: VadEvent[], truth: Truth, options: VadOptions): void {
  const found = turns(events);
  equal(found.length, truth.utterances.length, `turns: ${JSON.stringify(found)}`);
  found.forEach(([start, end], i) => {
    const u = truth.utterances[i];
    const expectedStart = Math.max(0, u.startMs - options.prefixPaddingMs);
    const expectedEnd = u.endMs + options.silenceDurationMs;
    ok(
      Math.abs(start - expectedStart) <= START_TOLERANCE_MS,
      `"${u.text}": audioStartMs ${start}, expected ${expectedStart.toFixed(1)} ± 150`,
    );
    ok(
      Math.abs(end - expectedEnd) <= END_TOLERANCE_MS,
      `"${u.text}": audioEndMs ${end}, expected ${expectedEnd.toFixed(1)} ± 250`,
    );
  });
}

function scale(samples: Int16Array, gain: number): Int16Array {
  return samples.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * gain))));
}

/** `a + gain × b`, with `b` looped to the length of `a`. */
function mix(a: Int16Array, b: Int16Array, gain = 1): Int16Array {
  return a.map((v, i) => Math.max(-32768, Math.min(32767, v + Math.round(gain * b[i % b.length]))));
}

function silence(ms: number): Int16Array {
  return new Int16Array((RATE * ms) / 1000);
}

Deno.test("fixtures agree with their ground truth", () => {
  for (const [samples, truth] of [[SPEECH, SPEECH_TRUTH], [PAUSE, PAUSE_TRUTH]] as const) {
    equal(samples.length, truth.samples);
    // The JSON rounds ms to 3 decimals.
    ok(Math.abs(truth.durationMs - (truth.samples * 1000) / RATE) < 0.001);
    for (const u of truth.utterances) {
      ok(Math.abs(u.startMs - (u.startSample * 1000) / RATE) < 0.001);
      ok(Math.abs(u.endMs - (u.endSample * 1000) / RATE) < 0.001);
      // Speech is loud inside each utterance and only the −70 dBFS floor is left just outside.
      const peak = (from: number, to: number) =>
        samples.subarray(from, to).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      ok(peak(u.startSample, u.endSample) > 10000, `"${u.text}" should be loud`);
      ok(peak(u.startSample - 2400, u.startSample) < 100, `before "${u.text}" should be quiet`);
      ok(peak(u.endSample, u.endSample + 2400) < 100, `after "${u.text}" should be quiet`);
    }
  }
  equal(NOISE.length, 5 * RATE);
});

Deno.test("push() finds the three utterances of speech_24k.wav within tolerance", async () => {
  assertMatchesTruth(await detect(SPEECH), SPEECH_TRUTH, DEFAULTS);
});

Deno.test("push() gives the same events whatever the chunking", async () => {
  const reference = await detect(SPEECH);
  deepEqual(await detect(SPEECH, {}, [1, 2, 3, 479, 2999, 160]), reference);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 40 }),
      async (sizes) => deepEqual(await detect(SPEECH, {}, sizes), reference),
    ),
    { numRuns: 12 },
  );
});

Deno.test("push() reports nothing for pink noise and hum at any threshold", async () => {
  for (const threshold of [0, 0.25, 0.5, 0.75, 1]) {
    deepEqual(await detect(NOISE, { threshold }), [], `threshold ${threshold}`);
  }
});

Deno.test("push() reports nothing for digital silence or a −70 dBFS floor", async () => {
  deepEqual(await detect(silence(5000), { threshold: 0 }), []);
  // The lead-in of speech_24k.wav is 0.6 s of the floor alone; loop it for 6 s.
  const floor = SPEECH.subarray(0, 14400);
  deepEqual(await detect(mix(silence(6000), floor), { threshold: 0 }), []);
});

Deno.test("push() does not take loud noise starting after silence for speech", async () => {
  // The noise floor lags a sudden noise by up to a second; periodicity keeps it from starting.
  const input = concat([silence(1000), scale(NOISE, 3), scale(NOISE, 3)]);
  for (const threshold of [0, 0.5, 1]) {
    deepEqual(await detect(input, { threshold }), [], `threshold ${threshold}`);
  }
});

Deno.test("push() ignores short loud clicks and tone bursts", async () => {
  for (const burstMs of [5, 60]) {
    const input = silence(6000);
    for (let k = 0; k < 10; k++) {
      const from = RATE / 2 + (k * RATE) / 2;
      for (let i = 0; i < (RATE * burstMs) / 1000; i++) {
        input[from + i] = i % 20 < 10 ? 20000 : -20000; // 1.2 kHz square wave
      }
    }
    for (const threshold of [0, 0.5]) {
      deepEqual(await detect(input, { threshold }), [], `${burstMs} ms bursts, ${threshold}`);
    }
  }
});

Deno.test("push() finds and ends speech in −35 dBFS pink noise at thresholds 0 and 0.5", async () => {
  for (const threshold of [0, 0.5]) {
    const options = { ...DEFAULTS, threshold };
    assertMatchesTruth(await detect(mix(SPEECH, NOISE), options), SPEECH_TRUTH, options);
  }
});

Deno.test("threshold 0.95 still finds full-level speech but not speech 30 dB quieter", async () => {
  const loud = { ...DEFAULTS, threshold: 0.95 };
  assertMatchesTruth(await detect(SPEECH, loud), SPEECH_TRUTH, loud);
  const quiet = scale(SPEECH, 10 ** (-30 / 20));
  // At the default threshold the quiet speech is still three turns; at 0.95 it is nothing.
  assertMatchesTruth(await detect(quiet), SPEECH_TRUTH, DEFAULTS);
  deepEqual(await detect(quiet, { threshold: 0.95 }), []);
});

Deno.test("silenceDurationMs decides whether a 0.5 s pause ends the turn", async () => {
  const input = concat([PAUSE, silence(1500)]);
  const [opening, closing] = PAUSE_TRUTH.utterances;
  const short = turns(await detect(input, { silenceDurationMs: 200 }));
  equal(short.length, 2, JSON.stringify(short));
  ok(Math.abs(short[0][1] - (opening.endMs + 200)) <= END_TOLERANCE_MS);
  ok(short[1][0] >= short[0][1], "the second turn should not start before the first ended");
  ok(Math.abs(short[1][1] - (closing.endMs + 200)) <= END_TOLERANCE_MS);
  const long = turns(await detect(input, { silenceDurationMs: 1200 }));
  equal(long.length, 1, JSON.stringify(long));
  ok(Math.abs(long[0][0] - (opening.startMs - 300)) <= START_TOLERANCE_MS);
  ok(Math.abs(long[0][1] - (closing.endMs + 1200)) <= END_TOLERANCE_MS);
});

Deno.test("audioStartMs is clamped at 0 and at the end of the previous turn", async () => {
  // Cut the lead-in to 0.1 s: onset − 300 ms would be negative.
  const early = turns(await detect(SPEECH.subarray(12000)));
  equal(early[0][0], 0);
  // With 1 s of prefix padding, turn 2 would reach back into turn 1.
  const padded = turns(await detect(SPEECH, { prefixPaddingMs: 1000 }));
  equal(padded.length, 3);
  equal(padded[1][0], padded[0][1]);
  equal(padded[2][0], padded[1][1]);
});

Deno.test("inSpeech is true exactly between speech_started and speech_stopped", async () => {
  const vad = await VoiceActivityDetector.create(DEFAULTS);
  let expected = false;
  let changes = 0;
  for (let i = 0; i < SPEECH.length; i += 480) {
    for (const event of vad.push(SPEECH.subarray(i, i + 480))) {
      expected = event.type === "speech_started";
      changes++;
    }
    equal(vad.inSpeech, expected, `at ${i / 24} ms`);
  }
  equal(changes, 6);
  vad.close();
});

Deno.test("configure() mid-stream takes effect from the next frame", async () => {
  const vad = await VoiceActivityDetector.create(DEFAULTS);
  const events: VadEvent[] = [];
  let configured = false;
  for (let i = 0; i < SPEECH.length; i += 480) {
    for (const event of vad.push(SPEECH.subarray(i, i + 480))) {
      events.push(event);
      if (event.type === "speech_stopped" && !configured) {
        // After turn 1: no prefix, and a silence window longer than the 1.2 s gaps.
        vad.configure({ threshold: 0.5, prefixPaddingMs: 0, silenceDurationMs: 2000 });
        configured = true;
      }
    }
  }
  events.push(...vad.push(silence(2500)));
  vad.close();
  const found = turns(events);
  equal(found.length, 2, JSON.stringify(found));
  const [hello, practice, thanks] = SPEECH_TRUTH.utterances;
  ok(Math.abs(found[0][1] - (hello.endMs + 500)) <= END_TOLERANCE_MS);
  ok(Math.abs(found[1][0] - practice.startMs) <= START_TOLERANCE_MS, `start ${found[1][0]}`);
  ok(Math.abs(found[1][1] - (thanks.endMs + 2000)) <= END_TOLERANCE_MS, `end ${found[1][1]}`);
});

Deno.test("configure() shortens the silence window of a turn in progress", async () => {
  const vad = await VoiceActivityDetector.create({ ...DEFAULTS, silenceDurationMs: 5000 });
  const [hello] = SPEECH_TRUTH.utterances;
  equal(feed(vad, SPEECH.subarray(0, hello.endSample + RATE)).length, 1);
  ok(vad.inSpeech, "1 s after the utterance a 5 s window is still open");
  vad.configure(DEFAULTS);
  const events = vad.push(silence(20));
  vad.close();
  equal(events.length, 1);
  const [stop] = events;
  ok(stop.type === "speech_stopped", JSON.stringify(stop));
  ok(Math.abs(stop.audioEndMs - (hello.endMs + 500)) <= END_TOLERANCE_MS, `${stop.audioEndMs}`);
});

Deno.test("reset() forgets the turn in progress but keeps the clock", async () => {
  const vad = await VoiceActivityDetector.create(DEFAULTS);
  const [hello, practice] = SPEECH_TRUTH.utterances;
  const middle = Math.round((hello.startSample + hello.endSample) / 2);
  const before = feed(vad, SPEECH.subarray(0, middle));
  equal(before.length, 1);
  ok(vad.inSpeech);
  vad.reset();
  equal(vad.inSpeech, false);
  const after = feed(vad, SPEECH.subarray(middle));
  vad.close();
  const found = turns(after);
  equal(found.length, 3, JSON.stringify(found));
  // The rest of "hello" is a new turn that may not reach back before the reset.
  ok(found[0][0] >= (middle * 1000) / RATE, `restart at ${found[0][0]}`);
  ok(Math.abs(found[1][0] - (practice.startMs - 300)) <= START_TOLERANCE_MS);
});

Deno.test("detectors sharing the wasm instance keep separate state", async () => {
  const a = await VoiceActivityDetector.create(DEFAULTS);
  const b = await VoiceActivityDetector.create(DEFAULTS);
  const quiet = silence(20);
  const events: VadEvent[] = [];
  for (let i = 0; i < SPEECH.length; i += 480) {
    events.push(...a.push(SPEECH.subarray(i, i + 480)));
    deepEqual(b.push(quiet), []);
  }
  a.close();
  b.close();
  deepEqual(events, await detect(SPEECH));
});

Deno.test("speech_44k.wav and speech_48k.wav hold the same speech", async () => {
  for (const [name, rate] of [["speech_44k.wav", 44100], ["speech_48k.wav", 48000]] as const) {
    const wav = readWav(Deno.readFileSync(fixturePath(name)));
    equal(wav.sampleRate, rate);
    equal(wav.channels, 1);
    ok(Math.abs(wav.samples.length / rate - SPEECH.length / RATE) < 0.001, `${name} duration`);
    const floats = Float32Array.from(wav.samples, (v) => v / 32768);
    const resampled = new Resampler(rate, RATE).process(floats);
    const pcm = new Int16Array(resampled.length);
    floatToPcm16Into(resampled, pcm);
    assertMatchesTruth(await detect(pcm), SPEECH_TRUTH, DEFAULTS);
  }
});

Deno.test("create() and configure() reject out-of-range options", async () => {
  const bad: Partial<VadOptions>[] = [
    { threshold: -0.1 },
    { threshold: 1.1 },
    { threshold: NaN },
    { prefixPaddingMs: -1 },
    { prefixPaddingMs: Infinity },
    { silenceDurationMs: -1 },
    { silenceDurationMs: NaN },
  ];
  const vad = await VoiceActivityDetector.create(DEFAULTS);
  for (const options of bad) {
    await rejects(VoiceActivityDetector.create({ ...DEFAULTS, ...options }), RangeError);
    throws(() => vad.configure({ ...DEFAULTS, ...options }), RangeError);
  }
  vad.close();
});

Deno.test("close() is idempotent and later calls throw", async () => {
  const vad = await VoiceActivityDetector.create(DEFAULTS);
  vad.close();
  vad.close();
  throws(() => vad.push(silence(20)), /Cannot push audio: the VAD is closed/);
  throws(() => vad.configure(DEFAULTS), /closed/);
  throws(() => vad.reset(), /closed/);
});

Deno.test("a detector allocates its resampler on the first push, not at creation", async () => {
  // An idle session holds a detector that is never fed: it must not pay for the 24 → 8 kHz
  // resampler and its history. Garbage can only add to the growth measured, never
  // hide a leak, so the bound is safe without a forced GC.
  (await VoiceActivityDetector.create(DEFAULTS)).close();
  const count = 200;
  const detectors: VoiceActivityDetector[] = [];
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) detectors.push(await VoiceActivityDetector.create(DEFAULTS));
  const perDetector = (Deno.memoryUsage().heapUsed - before) / count;
  for (const vad of detectors) vad.close();
  ok(
    perDetector < 16 * 1024,
    `an unfed detector grew the heap by ${Math.round(perDetector)} bytes`,
  );
  // The conversion, created by the first non-empty push, gives the same events as ever.
  deepEqual(await detect(SPEECH, {}, [0, 480, 0, 1200, 7]), await detect(SPEECH));
});
