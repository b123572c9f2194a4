import { equal, ok } from "node:assert/strict";
import { CAPTURE_BUFFER, compareRecording, mismatch, RATE } from "./alignment.ts";

/** Seven seconds of noise bursts (0.7 s on, 0.3 s off), seeded: a stand-in for speech. */
function reference(): Int16Array {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  const out = new Int16Array(7 * RATE);
  for (let i = 0; i < out.length; i++) {
    if (i % RATE < 0.7 * RATE) out[i] = Math.round(12000 * random());
  }
  return out;
}

const want = reference();
const OFFSET = 12219;

/** The reference as recorded: `OFFSET` samples of silence first, then `edit` applied. */
function recorded(edit: (s: Int16Array) => Int16Array = (s) => s): Int16Array {
  const body = edit(want);
  const out = new Int16Array(OFFSET + body.length);
  out.set(body, OFFSET);
  return out;
}

/** `s` with `n` samples removed (n > 0), repeated (n < 0) or zeros inserted (`zeros`) at `at` s. */
const glitch = (s: Int16Array, at: number, n: number, zeros = false): Int16Array => {
  const cut = Math.round(at * RATE);
  if (zeros) {
    const out = new Int16Array(s.length + n);
    out.set(s.subarray(0, cut));
    out.set(s.subarray(cut), cut + n);
    return out;
  }
  return n > 0
    ? Int16Array.from([...s.subarray(0, cut), ...s.subarray(cut + n)])
    : Int16Array.from([...s.subarray(0, cut - n), ...s.subarray(cut)]);
};

Deno.test("alignment: an exact copy after an offset matches every second on one alignment", () => {
  const c = compareRecording(want, recorded());
  equal(c.lag0, OFFSET);
  equal(c.segments.length, 7);
  equal(c.good.length, 7);
  equal(c.steps, 0);
  ok(c.r > 0.999, `r ${c.r}`);
  equal(mismatch(c), undefined);
});

Deno.test("alignment: one 10 ms capture buffer lost, repeated or inserted as silence is one step, not a fault", () => {
  // In a pause, and in the middle of a burst (that second then matches poorly on any one
  // alignment); the last as Chromium does it, early in capture.
  const cases: [number, number, boolean][] = [
    [3.8, CAPTURE_BUFFER, false],
    [3.8, -CAPTURE_BUFFER, false],
    [4.3, CAPTURE_BUFFER, false],
    [0.4, CAPTURE_BUFFER, true],
  ];
  for (const [at, n, zeros] of cases) {
    const c = compareRecording(want, recorded((s) => glitch(s, at, n, zeros)));
    const what = `${zeros ? "zeros" : n} at ${at} s: ${JSON.stringify(c.segments)}`;
    equal(c.unexplained, 0, what);
    ok(c.steps + (c.segments.length - c.good.length) >= 1, what);
    ok(c.r > 0.98, `r ${c.r} for ${what}`);
    equal(mismatch(c), undefined);
  }
});

Deno.test("alignment: a 20 ms frame lost by the page, two capture glitches or a wrong ratio are faults", () => {
  const frame = compareRecording(want, recorded((s) => glitch(s, 3.8, 480)));
  ok(mismatch(frame)?.includes("other than one capture buffer"), String(mismatch(frame)));
  const twice = compareRecording(
    want,
    recorded((s) => glitch(glitch(s, 4.8, CAPTURE_BUFFER), 2.8, CAPTURE_BUFFER)),
  );
  ok(mismatch(twice)?.includes("2 capture-buffer steps"), String(mismatch(twice)));
  // 0.1 % too slow: linear interpolation at 24024/24000, 24 samples more per second.
  const drift = compareRecording(
    want,
    recorded((s) => {
      const out = new Int16Array(Math.floor(s.length * 1.001));
      for (let i = 0; i < out.length; i++) {
        const x = i / 1.001, j = Math.floor(x), f = x - j;
        out[i] = Math.round(s[j] * (1 - f) + (s[j + 1] ?? 0) * f);
      }
      return out;
    }),
  );
  ok(mismatch(drift) !== undefined, JSON.stringify(drift.segments));
});
