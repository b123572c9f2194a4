import { deepEqual, equal, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { Resampler } from "./resampler.ts";

/** Every pair the app meets, plus 24 kHz → 16 kHz for the VAD and a few odd ratios. */
const PAIRS: [number, number][] = [
  [8000, 24000],
  [16000, 24000],
  [22050, 24000],
  [32000, 24000],
  [44100, 24000],
  [48000, 24000],
  [96000, 24000],
  [24000, 44100],
  [24000, 48000],
  [24000, 16000],
  [48000, 16000],
  [44100, 48000],
  [24000, 24000],
];

/** Output samples skipped before measuring: longer than any filter's warm-up. */
const WARM_UP = 512;
/** Output samples measured per tone. */
const SEGMENT = 4096;

/** `n` samples of a full-scale sine at `freq` Hz, sampled at `rate`. */
function tone(rate: number, freq: number, n: number): Float32Array {
  const x = new Float32Array(n);
  const w = 2 * Math.PI * freq / rate;
  for (let i = 0; i < n; i++) x[i] = Math.sin(w * i);
  return x;
}

/** Resample `input` in 128-sample chunks, as an AudioWorklet would, and concatenate. */
function streamAll(resampler: Resampler, input: Float32Array, chunk = 128): Float32Array {
  const out = new Float32Array(resampler.maxOutputLength(input.length) + 1);
  const buf = new Float32Array(resampler.maxOutputLength(chunk));
  let written = 0;
  for (let i = 0; i < input.length; i += chunk) {
    const n = resampler.processInto(input.subarray(i, i + chunk), buf);
    out.set(buf.subarray(0, n), written);
    written += n;
  }
  return out.subarray(0, written);
}

interface ToneFit {
  /** Amplitude of the sine at the fitted frequency (1 = full scale). */
  amplitude: number;
  /** Phase lag of that sine against `sin(2π f t)`, in radians, in (−π, π]. */
  lag: number;
  /** Everything else (images, aliases, noise), as the amplitude of a sine of equal power. */
  residual: number;
}

/**
 * Least-squares fit of `a·cos(ωm) + b·sin(ωm)` at the known frequency over
 * `y[start .. start + length)`, where output sample `m` is at time `m / rate`.
 */
function fitTone(y: Float32Array, rate: number, freq: number): ToneFit {
  const w = 2 * Math.PI * freq / rate;
  let cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
  for (let m = WARM_UP; m < WARM_UP + SEGMENT; m++) {
    const c = Math.cos(w * m), s = Math.sin(w * m);
    cc += c * c;
    ss += s * s;
    cs += c * s;
    yc += y[m] * c;
    ys += y[m] * s;
  }
  const det = cc * ss - cs * cs;
  const a = (yc * ss - ys * cs) / det;
  const b = (ys * cc - yc * cs) / det;
  let power = 0;
  for (let m = WARM_UP; m < WARM_UP + SEGMENT; m++) {
    const r = y[m] - a * Math.cos(w * m) - b * Math.sin(w * m);
    power += r * r;
  }
  return {
    amplitude: Math.hypot(a, b),
    lag: Math.atan2(-a, b),
    residual: Math.sqrt(2 * power / SEGMENT),
  };
}

/** Resample a full-scale tone and return the steady-state output. */
function resampleTone(inputRate: number, outputRate: number, freq: number): Float32Array {
  const n = Math.ceil((WARM_UP + SEGMENT + 2) * inputRate / outputRate);
  const y = streamAll(new Resampler(inputRate, outputRate), tone(inputRate, freq, n));
  ok(y.length >= WARM_UP + SEGMENT, `got ${y.length} output samples`);
  return y;
}

/** Level of a whole output segment, as the amplitude of a sine of equal power. */
function level(y: Float32Array): number {
  let power = 0;
  for (let m = WARM_UP; m < WARM_UP + SEGMENT; m++) power += y[m] * y[m];
  return Math.sqrt(2 * power / SEGMENT);
}

function db(amplitude: number): number {
  return 20 * Math.log10(Math.max(amplitude, 1e-20));
}

function frequencies(from: number, to: number, step: number): number[] {
  const list: number[] = [];
  for (let f = from; f <= to + 1e-9; f += step) list.push(f);
  return list;
}

/** Whether two arrays hold the same float32 bit patterns. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

function log(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

Deno.test("Resampler() rejects unsupported rates with a RangeError naming what works", () => {
  for (const [a, b] of [[0, 24000], [24000, -1], [44100.5, 24000], [NaN, 24000], [48000, 1e6]]) {
    throws(() => new Resampler(a, b), {
      name: "RangeError",
      message: /^Cannot create resampler: .* rate .* is not supported; use an integer rate from/,
    });
  }
  throws(() => new Resampler(48000, 47999), {
    name: "RangeError",
    message: /47999\/48000, which needs 47999 filter phases \(at most 1024\); use rates/,
  });
});

Deno.test("Resampler copies exactly, with no delay, when the rates are equal", () => {
  const r = new Resampler(24000, 24000);
  const x = Float32Array.from([0, -0, 1, -1, 0.5, 1e-30, -3]);
  ok(sameBits(r.process(x), x));
  equal(r.delayMs, 0);
  equal(r.maxOutputLength(7), 7);
});

Deno.test("Resampler passes DC with gain 1 for every rate pair", () => {
  for (const [a, b] of PAIRS) {
    const y = streamAll(new Resampler(a, b), new Float32Array(a / 10).fill(1));
    for (let m = y.length - 200; m < y.length; m++) {
      ok(Math.abs(y[m] - 1) < 1e-6, `${a}→${b}: y[${m}] = ${y[m]}`);
    }
  }
});

Deno.test("Resampler turns silence into exact silence", () => {
  for (const [a, b] of PAIRS) {
    const y = streamAll(new Resampler(a, b), new Float32Array(5000));
    ok(y.length > 0 && y.every((v) => v === 0), `${a}→${b}`);
  }
});

Deno.test("Resampler output count stays within ±1 of input × ratio over a long stream", () => {
  for (const [a, b] of PAIRS) {
    const r = new Resampler(a, b);
    let inputs = 0, outputs = 0;
    for (let k = 0; inputs < 10 * a; k++) {
      const n = [128, 1, 0, 441, 480, 1000, 127][k % 7];
      outputs += r.process(new Float32Array(n)).length;
      inputs += n;
      const expected = inputs * b / a;
      ok(Math.abs(outputs - expected) <= 1, `${a}→${b}: ${outputs} for ${expected}`);
    }
  }
});

Deno.test("Resampler output is bit-identical however the input is chunked", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PAIRS),
      fc.float32Array({ maxLength: 3000, min: -1, max: 1, noNaN: true }),
      // Chunk sizes, used in turn; 0 is allowed, and the last one is non-zero so input flows.
      fc.tuple(fc.array(fc.nat(300), { maxLength: 39 }), fc.integer({ min: 1, max: 300 }))
        .map(([sizes, last]) => [...sizes, last]),
      ([a, b], x, sizes) => {
        const whole = new Resampler(a, b).process(x).slice();
        const r = new Resampler(a, b);
        const into = new Resampler(a, b);
        const viaProcess = new Float32Array(whole.length);
        const viaInto = new Float32Array(whole.length);
        let doneProcess = 0, doneInto = 0;
        for (let i = 0, k = 0; i < x.length; k++) {
          const n = Math.min(sizes[k % sizes.length], x.length - i);
          const chunk = x.subarray(i, i + n);
          const y = r.process(chunk);
          ok(y.length <= r.maxOutputLength(n));
          viaProcess.set(y, doneProcess);
          doneProcess += y.length;
          const out = new Float32Array(into.maxOutputLength(n));
          const written = into.processInto(chunk, out);
          viaInto.set(out.subarray(0, written), doneInto);
          doneInto += written;
          i += n;
        }
        equal(doneProcess, whole.length);
        equal(doneInto, whole.length);
        ok(sameBits(viaProcess, whole), `${a}→${b}: process() output differs`);
        ok(sameBits(viaInto, whole), `${a}→${b}: processInto() output differs`);
      },
    ),
  );
});

Deno.test("Resampler output is bit-identical for long streams and chunks over 4096 samples", () => {
  // Past 8192 buffered samples the history moves to the front, and a chunk over 4096 samples
  // is filtered in blocks: neither may change a sample.
  let seed = 1;
  const x = new Float32Array(60000).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  });
  for (const [a, b] of [[48000, 24000], [44100, 24000], [24000, 48000], [96000, 24000]]) {
    const whole = new Resampler(a, b).process(x).slice();
    for (const sizes of [[128], [4097, 1, 12000, 0, 333], [8191, 8193]]) {
      const r = new Resampler(a, b);
      const parts = new Float32Array(whole.length);
      let done = 0;
      for (let i = 0, k = 0; i < x.length; k++) {
        const n = Math.min(sizes[k % sizes.length], x.length - i);
        const y = r.process(x.subarray(i, i + n));
        parts.set(y, done);
        done += y.length;
        i += n;
      }
      equal(done, whole.length);
      ok(sameBits(parts, whole), `${a}→${b} in chunks of ${sizes}`);
    }
  }
});

Deno.test("processInto() throws a RangeError on a too-small output and keeps its state", () => {
  const x = tone(44100, 1000, 1000);
  const r = new Resampler(44100, 24000);
  const reference = new Resampler(44100, 24000).process(x).slice();
  const first = new Float32Array(r.maxOutputLength(500));
  const n1 = r.processInto(x.subarray(0, 500), first);
  throws(() => r.processInto(x.subarray(500), new Float32Array(100)), {
    name: "RangeError",
    message: /^Cannot resample into output: it holds 100 samples but this chunk produces 272; size/,
  });
  const second = new Float32Array(r.maxOutputLength(500));
  const n2 = r.processInto(x.subarray(500), second);
  equal(n1 + n2, reference.length);
  ok(sameBits(first.subarray(0, n1), reference.subarray(0, n1)));
  ok(sameBits(second.subarray(0, n2), reference.subarray(n1)));
  throws(() => r.maxOutputLength(-1), { name: "RangeError" });
  throws(() => r.maxOutputLength(1.5), { name: "RangeError" });
});

Deno.test("process() returns 0 samples for a 0-length chunk and a view on a reused buffer", () => {
  const r = new Resampler(48000, 24000);
  equal(r.process(new Float32Array(0)).length, 0);
  const a = r.process(new Float32Array(128));
  const b = r.process(new Float32Array(128));
  equal(a.length, 64);
  equal(a.buffer, b.buffer);
});

Deno.test("reset() makes the resampler behave as new", () => {
  const x = tone(48000, 3000, 2000);
  const r = new Resampler(48000, 24000);
  const first = r.process(x).slice();
  r.process(tone(48000, 500, 777));
  r.reset();
  ok(sameBits(r.process(x), first));
});

Deno.test("processInto() and process() allocate nothing per call in steady state", async () => {
  // A child isolate with --expose-gc and a large young generation, so that no collection hides
  // allocations: it reports heap growth over 30 000 calls of each method, 128 samples each.
  const child = `
    const { Resampler } = await import(${JSON.stringify(import.meta.resolve("./resampler.ts"))});
    const pairs = ${JSON.stringify(PAIRS)};
    const input = new Float32Array(128).map((_, i) => Math.sin(i));
    const all = pairs.map(([a, b]) => {
      const r = new Resampler(a, b);
      return [a, b, r, new Float32Array(r.maxOutputLength(128))];
    });
    // Warm up every pair first, so that compiling the code is over before measuring.
    for (const [, , r, out] of all) {
      for (let i = 0; i < 5000; i++) { r.processInto(input, out); r.process(input); }
    }
    const report = [];
    for (const [a, b, r, out] of all) {
      globalThis.gc();
      const before = Deno.memoryUsage().heapUsed;
      for (let i = 0; i < 30000; i++) { r.processInto(input, out); r.process(input); }
      const after = Deno.memoryUsage().heapUsed;
      report.push([a, b, after - before]);
    }
    console.log(JSON.stringify(report));
  `;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--v8-flags=--expose-gc,--min-semi-space-size=64,--max-semi-space-size=64",
      child,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(code, 0, new TextDecoder().decode(stderr));
  const report: [number, number, number][] = JSON.parse(new TextDecoder().decode(stdout));
  equal(report.length, PAIRS.length);
  for (const [a, b, bytes] of report) {
    // Even a 16-byte object per call would add 480 KB; compiling code adds tens of KB at most.
    ok(bytes < 200_000, `${a}→${b}: heap grew by ${bytes} bytes over 30 000 calls`);
  }
});

/** Quality of a down-sampling pair against the capture-path targets, scaled to the rate. */
function checkDownsampling(inputRate: number, outputRate: number): void {
  const s = outputRate / 24000; // the targets are stated for a 24 kHz output
  const stopEdge = 12500 * s;
  let worstAlias = -Infinity, worstAt = 0, worstSpur = -Infinity;
  for (const f of frequencies(stopEdge, inputRate / 2 - 50, 100)) {
    // Skip tones that alias onto DC or the output Nyquist, where a sine is degenerate.
    const folded = f % outputRate;
    const alias = Math.min(folded, outputRate - folded);
    if (alias < 100 || alias > outputRate / 2 - 100) continue;
    const aliasDb = db(level(resampleTone(inputRate, outputRate, f)));
    if (aliasDb > worstAlias) [worstAlias, worstAt] = [aliasDb, f];
  }
  let passMax = -Infinity, passMin = Infinity;
  for (const f of [...frequencies(100, 8000 * s, 250 * s), 8000 * s]) {
    const fit = fitTone(resampleTone(inputRate, outputRate, f), outputRate, f);
    passMax = Math.max(passMax, db(fit.amplitude));
    passMin = Math.min(passMin, db(fit.amplitude));
    worstSpur = Math.max(worstSpur, db(fit.residual));
  }
  const at10k = db(
    fitTone(resampleTone(inputRate, outputRate, 10000 * s), outputRate, 10000 * s)
      .amplitude,
  );
  log(
    `${inputRate}→${outputRate}: worst alias ${worstAlias.toFixed(1)} dB (tone ${
      worstAt.toFixed(0)
    } Hz), ` +
      `passband ${passMin.toFixed(4)}…${passMax.toFixed(4)} dB to ${(8000 * s).toFixed(0)} Hz, ` +
      `${(10000 * s).toFixed(0)} Hz ${at10k.toFixed(2)} dB, in-band spurs ${
        worstSpur.toFixed(1)
      } dB`,
  );
  ok(worstAlias <= -90, `${inputRate}→${outputRate}: alias ${worstAlias} dB at ${worstAt} Hz`);
  ok(passMax <= 0.1 && passMin >= -0.1, `${inputRate}→${outputRate}: ${passMin}…${passMax} dB`);
  ok(at10k >= -1, `${inputRate}→${outputRate}: ${at10k} dB at ${10000 * s} Hz`);
  ok(worstSpur <= -90, `${inputRate}→${outputRate}: in-band spurs at ${worstSpur} dB`);
}

Deno.test("48 kHz → 24 kHz: aliases ≤ −90 dB above 12.5 kHz, flat to 8 kHz, ≥ −1 dB at 10 kHz", () => {
  checkDownsampling(48000, 24000);
});

Deno.test("44.1 kHz → 24 kHz: aliases ≤ −90 dB above 12.5 kHz, flat to 8 kHz, ≥ −1 dB at 10 kHz", () => {
  checkDownsampling(44100, 24000);
});

Deno.test("96 kHz and 32 kHz → 24 kHz meet the same alias and passband targets", () => {
  checkDownsampling(96000, 24000);
  checkDownsampling(32000, 24000);
});

Deno.test("24 kHz → 16 kHz (VAD) meets the targets scaled to a 16 kHz output", () => {
  checkDownsampling(24000, 16000);
});

Deno.test("Up-sampling keeps the passband flat and rejects images by ≥ 90 dB", () => {
  for (
    const [a, b] of [[24000, 48000], [24000, 44100], [8000, 24000], [16000, 24000], [22050, 24000]]
  ) {
    // Targets scaled to the input rate: flat to a/3, ≥ −1 dB at 0.4167·a, and for every tone up
    // to 0.45·a (whose first image, a − f, is in the stopband) nothing else above −90 dB.
    let passMax = -Infinity, passMin = Infinity, worstImage = -Infinity, worstAt = 0;
    for (const f of frequencies(100, 0.45 * a, a / 96)) {
      const fit = fitTone(resampleTone(a, b, f), b, f);
      if (f <= a / 3) {
        passMax = Math.max(passMax, db(fit.amplitude));
        passMin = Math.min(passMin, db(fit.amplitude));
      }
      if (db(fit.residual) > worstImage) [worstImage, worstAt] = [db(fit.residual), f];
    }
    const edge = db(fitTone(resampleTone(a, b, a * 10 / 24), b, a * 10 / 24).amplitude);
    log(
      `${a}→${b}: passband ${passMin.toFixed(4)}…${passMax.toFixed(4)} dB to ${
        (a / 3).toFixed(0)
      } Hz, ` +
        `${(a * 10 / 24).toFixed(0)} Hz ${edge.toFixed(2)} dB, worst image ` +
        `${worstImage.toFixed(1)} dB (tone ${worstAt.toFixed(0)} Hz)`,
    );
    ok(passMax <= 0.1 && passMin >= -0.1, `${a}→${b}: ${passMin}…${passMax} dB`);
    ok(edge >= -1, `${a}→${b}: ${edge} dB at the band edge`);
    ok(worstImage <= -90, `${a}→${b}: image at ${worstImage} dB for a ${worstAt} Hz tone`);
  }
});

Deno.test("Measured group delay matches delayMs and is ≤ 1.5 ms from 22.05 kHz up", () => {
  const f = 100; // period 10 ms: a lag in (−5, 5] ms is unambiguous
  const measured: string[] = [];
  for (const [a, b] of PAIRS) {
    const r = new Resampler(a, b);
    const fit = fitTone(resampleTone(a, b, f), b, f);
    const measuredMs = fit.lag / (2 * Math.PI * f) * 1000;
    measured.push(`${a}→${b} ${measuredMs.toFixed(3)} ms`);
    ok(
      Math.abs(measuredMs - r.delayMs) < 0.005,
      `${a}→${b}: measured ${measuredMs} ms, delayMs ${r.delayMs}`,
    );
    ok(Math.abs(r.delaySamples - r.delayMs * b / 1000) < 1e-9);
    if (Math.min(a, b) >= 22050) ok(r.delayMs <= 1.5, `${a}→${b}: ${r.delayMs} ms`);
  }
  log(`group delay: ${measured.join(", ")}`);
  deepEqual(
    [[48000, 24000], [44100, 24000], [24000, 48000]].map(([a, b]) =>
      Math.round(new Resampler(a, b).delayMs * 1000) / 1000
    ),
    [0.854, 0.865, 0.854],
  );
});
