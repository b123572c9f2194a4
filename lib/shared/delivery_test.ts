import { deepEqual, equal, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { analyzeDelivery, NO_DELIVERY } from "./delivery.ts";

const RATE = 24000;

/** Impulses (one sample each) every `rate / f0` samples, rounded to the nearest sample. */
function impulses(rate: number, f0: number, seconds: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let t = 0; t < x.length; t += rate / f0) {
    const i = Math.round(t);
    if (i < x.length) x[i] = amplitude;
  }
  return x;
}

/**
 * A vowel-like voiced sound: harmonics of `f0(t)` below 3.5 kHz at 1/k, times `envelope(t)`.
 * The phase is integrated, so a gliding `f0` stays continuous.
 */
function voiced(
  rate: number,
  seconds: number,
  f0: (t: number) => number,
  envelope: (t: number) => number = () => 1,
  amplitude = 0.3,
): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const f = f0(t);
    phase += 2 * Math.PI * f / rate;
    let s = 0;
    for (let k = 1; k * f < 3500; k++) s += Math.sin(k * phase) / k;
    x[i] = amplitude * envelope(t) * s / 2;
  }
  return x;
}

/** Syllable-like bursts: `rate` per second, each a raised cosine dipping to `floor`. */
function syllableEnvelope(perSecond: number, floor = 0.1): (t: number) => number {
  return (t) => floor + (1 - floor) * Math.sin(Math.PI * t * perSecond) ** 2;
}

/** Deterministic white noise in ±amplitude. */
function noise(n: number, amplitude: number, seed = 1): Float32Array {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = amplitude * (s / 2 ** 31 - 1);
  }
  return x;
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const silent = (rate: number, seconds: number) => new Float32Array(Math.round(rate * seconds));

function near(actual: number, expected: number, tolerance: number, what: string): void {
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );
}

Deno.test("NO_DELIVERY has every field of a measured turn, each 0 but a null pitch, frozen", () => {
  const measured = analyzeDelivery(voiced(RATE, 1, () => 150), RATE);
  deepEqual(Object.keys(NO_DELIVERY).sort(), Object.keys(measured).sort());
  for (const [field, value] of Object.entries(NO_DELIVERY)) {
    equal(value, field === "pitchHz" ? null : 0, field);
  }
  ok(Object.isFrozen(NO_DELIVERY));
});

Deno.test("analyzeDelivery() gives zeros and no pitch for empty, too short and silent input", () => {
  deepEqual(analyzeDelivery(new Float32Array(0), RATE), NO_DELIVERY);
  deepEqual(analyzeDelivery(new Float32Array(100), RATE), NO_DELIVERY);
  deepEqual(analyzeDelivery(silent(RATE, 3), RATE), NO_DELIVERY);
  // Hiss at −80 dBFS is below the absolute floor.
  deepEqual(analyzeDelivery(noise(RATE * 2, 1e-4), RATE), NO_DELIVERY);
  // A lone click is not speech.
  const click = silent(RATE, 1);
  click[RATE / 2] = 0.9;
  deepEqual(analyzeDelivery(click, RATE), NO_DELIVERY);
});

Deno.test("analyzeDelivery() rejects a sample rate that is not positive and finite, and samples that are not a Float32Array", () => {
  for (const rate of [0, -24000, NaN, Infinity, -Infinity]) {
    throws(() => analyzeDelivery(new Float32Array(10), rate), RangeError);
  }
  throws(() => analyzeDelivery(new Float32Array(10), "24000" as unknown as number), RangeError);
  throws(
    () => analyzeDelivery(new Int16Array(10) as unknown as Float32Array, RATE),
    TypeError,
  );
});

Deno.test("analyzeDelivery() finds F0 within 4 % on pulse trains at 100, 150 and 220 Hz, at every common rate", () => {
  for (const rate of [16000, 24000, 44100, 48000]) {
    for (const f0 of [100, 150, 220]) {
      const train = analyzeDelivery(impulses(rate, f0, 1), rate);
      near(train.pitchHz ?? 0, f0, 0.04 * f0, `impulses at ${f0} Hz, ${rate} Hz`);
      near(train.pitchRangeSemitones, 0, 0.5, `range of a steady ${f0} Hz train`);
      const vowel = analyzeDelivery(voiced(rate, 1, () => f0), rate);
      near(vowel.pitchHz ?? 0, f0, 0.04 * f0, `vowel at ${f0} Hz, ${rate} Hz`);
    }
  }
});

Deno.test("analyzeDelivery() finds F0 at the ends of its 60–400 Hz range", () => {
  for (const f0 of [70, 380]) {
    const d = analyzeDelivery(voiced(RATE, 1, () => f0), RATE);
    near(d.pitchHz ?? 0, f0, 0.04 * f0, `vowel at ${f0} Hz`);
  }
});

Deno.test("analyzeDelivery() measures pitch range as the 10th–90th percentile span in semitones", () => {
  // An exponential glide over one octave: its 10th–90th percentiles are 0.8 octave apart.
  const glide = voiced(RATE, 2, (t) => 110 * 2 ** (t / 2));
  const d = analyzeDelivery(glide, RATE);
  near(d.pitchRangeSemitones, 0.8 * 12, 1, "range of a one-octave glide");
  near(d.pitchHz ?? 0, 110 * Math.SQRT2, 0.04 * 110 * Math.SQRT2, "median of the glide");
});

Deno.test("analyzeDelivery() counts syllable-like bursts of voice and follows their rate", () => {
  for (const perSecond of [2, 3, 4, 5, 6]) {
    const seconds = 12 / perSecond;
    const d = analyzeDelivery(voiced(RATE, seconds, () => 130, syllableEnvelope(perSecond)), RATE);
    near(d.syllables, 12, 1, `bursts at ${perSecond}/s`);
    near(d.syllablesPerSecond, perSecond, 0.12 * perSecond, `rate at ${perSecond}/s`);
  }
});

Deno.test("analyzeDelivery() counts no syllables in voiceless bursts", () => {
  const env = syllableEnvelope(4);
  const hiss = noise(RATE * 3, 0.3).map((x, i) => x * env(i / RATE));
  const d = analyzeDelivery(hiss, RATE);
  ok(d.speechSeconds > 2, `noise bursts are sound: ${JSON.stringify(d)}`);
  ok(d.syllables <= 1, `voiceless bursts counted as ${d.syllables} syllables`);
});

Deno.test("analyzeDelivery() counts gaps of 250 ms or more between speech as pauses, and times the longest", () => {
  const phrase = () => voiced(RATE, 0.8, () => 140, syllableEnvelope(4, 0.2));
  const x = concat(
    silent(RATE, 0.5),
    phrase(),
    silent(RATE, 0.15), // a gap, not a pause
    phrase(),
    silent(RATE, 0.4),
    phrase(),
    silent(RATE, 0.9),
    phrase(),
    silent(RATE, 0.6),
  );
  const d = analyzeDelivery(x, RATE);
  equal(d.pauses, 2, JSON.stringify(d));
  near(d.longestPauseSeconds, 0.9, 0.05, "longest pause");
  // Leading and trailing silence are not speech; the 0.15 s gap is.
  near(d.speechSeconds, 4 * 0.8 + 0.15, 0.1, "speech seconds");
  near(d.syllablesPerSecond, d.syllables / d.speechSeconds, 1e-9, "rate");
});

Deno.test("analyzeDelivery() finds pauses over steady background noise", () => {
  const phrase = () => voiced(RATE, 1, () => 120, syllableEnvelope(4, 0.2));
  const clean = concat(phrase(), silent(RATE, 0.7), phrase());
  const hiss = noise(clean.length, 0.003); // about −55 dBFS
  const d = analyzeDelivery(clean.map((x, i) => x + hiss[i]), RATE);
  equal(d.pauses, 1, JSON.stringify(d));
  near(d.longestPauseSeconds, 0.7, 0.1, "pause over noise");
});

Deno.test("analyzeDelivery() reads loudness as the RMS of the speech in dBFS, silence excluded", () => {
  const tone = new Float32Array(RATE * 2).map((_, i) =>
    0.1 * Math.sin(2 * Math.PI * 200 * i / RATE)
  );
  const expected = 20 * Math.log10(0.1 / Math.SQRT2); // −23.0 dBFS
  near(analyzeDelivery(tone, RATE).loudnessDbfs, expected, 0.1, "steady tone");
  const padded = concat(silent(RATE, 1), tone, silent(RATE, 2));
  near(analyzeDelivery(padded, RATE).loudnessDbfs, expected, 0.2, "tone between silences");
  const louder = tone.map((x) => x * 2);
  near(analyzeDelivery(louder, RATE).loudnessDbfs, expected + 6.02, 0.1, "6 dB louder");
});

Deno.test("analyzeDelivery() ignores DC offset", () => {
  const x = voiced(RATE, 1.5, () => 150, syllableEnvelope(4));
  const shifted = x.map((v) => v + 0.2);
  const a = analyzeDelivery(x, RATE);
  const b = analyzeDelivery(shifted, RATE);
  equal(b.syllables, a.syllables);
  near(b.loudnessDbfs, a.loudnessDbfs, 0.5, "loudness with DC");
  near(b.pitchHz ?? 0, a.pitchHz ?? 0, 1, "pitch with DC");
});

Deno.test("analyzeDelivery() reads non-finite samples as silence", () => {
  const x = concat(voiced(RATE, 1, () => 150, syllableEnvelope(4)), silent(RATE, 0.5));
  const poisoned = x.slice();
  for (let i = x.length - 1000; i < x.length; i += 7) poisoned[i] = i % 2 ? NaN : Infinity;
  deepEqual(analyzeDelivery(poisoned, RATE), analyzeDelivery(x, RATE));
});

Deno.test("analyzeDelivery() gives the same answer for the same turn whatever it analysed before", () => {
  const long = voiced(RATE, 6, (t) => 100 + 20 * Math.sin(t), syllableEnvelope(3.5));
  const short = voiced(RATE, 0.7, () => 210, syllableEnvelope(5));
  const first = analyzeDelivery(long, RATE);
  const shortAlone = analyzeDelivery(short, RATE);
  analyzeDelivery(long, RATE);
  deepEqual(analyzeDelivery(short, RATE), shortAlone);
  deepEqual(analyzeDelivery(long, RATE), first);
});

Deno.test("analyzeDelivery() agrees with itself across sample rates", () => {
  const at = (rate: number) =>
    analyzeDelivery(
      concat(
        voiced(rate, 1.5, () => 125, syllableEnvelope(4)),
        silent(rate, 0.5),
        voiced(rate, 1, () => 125, syllableEnvelope(4)),
      ),
      rate,
    );
  const reference = at(24000);
  for (const rate of [16000, 22050, 44100, 48000]) {
    const d = at(rate);
    equal(d.syllables, reference.syllables, `syllables at ${rate} Hz`);
    equal(d.pauses, reference.pauses, `pauses at ${rate} Hz`);
    near(d.speechSeconds, reference.speechSeconds, 0.03, `speech seconds at ${rate} Hz`);
    near(d.pitchHz ?? 0, reference.pitchHz ?? 0, 2, `pitch at ${rate} Hz`);
  }
});

Deno.test("analyzeDelivery() never throws for a valid rate and never returns NaN or Infinity", () => {
  fc.assert(
    fc.property(
      fc.float32Array({ maxLength: 20000, size: "max" }),
      fc.oneof(
        fc.constantFrom(8000, 16000, 24000, 44100, 48000),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
      ),
      (samples, rate) => {
        const d = analyzeDelivery(samples, rate);
        for (const [key, value] of Object.entries(d)) {
          if (key === "pitchHz" && value === null) continue;
          ok(Number.isFinite(value), `${key} is ${value} at ${rate} Hz`);
        }
        ok(Number.isInteger(d.syllables) && d.syllables >= 0);
        ok(Number.isInteger(d.pauses) && d.pauses >= 0);
        ok(d.speechSeconds >= 0 && d.longestPauseSeconds >= 0 && d.pitchRangeSemitones >= 0);
      },
    ),
    { numRuns: 200 },
  );
});
