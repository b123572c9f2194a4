/**
 * Prints the accuracy and cost figures of `analyzeDelivery()` as a Markdown table for
 * BENCHMARKS.md: syllable counts on recorded speech time-stretched 0.75–1.3× (sox `tempo -s`,
 * and the default `tempo` for comparison) and on espeak-ng speech at three rates, each beside
 * the duration-only estimator; F0 error on pulse trains; F0 spread across tempo; a 0.7 s
 * pause; and the cost as a share of real time beside a plain RMS pass.
 * `tests/delivery_accuracy_test.ts` asserts the targets on the same corpus.
 *
 * Run: deno run -A bench/delivery_accuracy.ts   (needs sox and espeak-ng)
 *
 * @module
 */
import { analyzeDelivery } from "../lib/shared/delivery.ts";
import {
  espeakSet,
  fixture,
  PAUSE_SECONDS,
  pauseDelivery,
  pitchSpread,
  readMono,
  recordingSet,
  type Sample,
  score,
} from "../testing/delivery_corpus.ts";

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

/** Impulses every `rate / f0` samples, rounded to the nearest sample. */
function impulses(rate: number, f0: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let t = 0; t < x.length; t += rate / f0) {
    const i = Math.round(t);
    if (i < x.length) x[i] = 0.5;
  }
  return x;
}

/** Median CPU milliseconds per call of `fn` over `runs` calls, after a warm-up. */
function time(fn: () => void, runs = 15): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function countRow(what: string, samples: Sample[]): string {
  const s = score(samples);
  return `| ${what} | ${s.clips} | ${percent(s.medianRelativeError)} | ${
    s.meanAbsoluteError.toFixed(2)
  } | ${s.estimatorMeanAbsoluteError.toFixed(2)} | ${
    (s.meanAbsoluteError / s.estimatorMeanAbsoluteError).toFixed(2)
  } | ${s.bias.toFixed(2)} |`;
}

const dir = await Deno.makeTempDir({ prefix: "delivery_accuracy_" });
try {
  const speech = await recordingSet(dir);
  const plain = await recordingSet(dir, false);
  const espeak = await espeakSet(dir);

  const lines = [
    "| syllable count | clips | median relative error | mean abs. error | duration-only estimator's | ratio | mean signed error |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    countRow("recorded speech, sox `tempo -s` 0.75–1.3×", speech),
    countRow("recorded speech, sox `tempo` 0.75–1.3× (music setting)", plain),
    countRow("espeak-ng at 120/160/220 wpm", espeak),
    "",
    "| measure | result |",
    "| --- | --- |",
  ];

  const pulses: string[] = [];
  let worstPulse = 0;
  for (const f0 of [100, 150, 220]) {
    const found = analyzeDelivery(impulses(24000, f0, 1), 24000).pitchHz ?? 0;
    worstPulse = Math.max(worstPulse, Math.abs(found / f0 - 1));
    pulses.push(`${f0} → ${found.toFixed(1)}`);
  }
  lines.push(
    `| F0 of 24 kHz impulse trains (Hz) | ${pulses.join(", ")}; worst ${percent(worstPulse)} |`,
  );
  for (const [what, set] of [["`tempo -s`", speech], ["`tempo`", plain]] as const) {
    const spreads = pitchSpread(set);
    const worst = spreads.reduce((a, b) => (b.spread > a.spread ? b : a));
    lines.push(
      `| worst F0 change across ${what} variants of one recording | ${
        percent(worst.spread)
      } (${worst.source}) |`,
    );
  }

  const pause = await pauseDelivery(dir);
  lines.push(
    `| ${PAUSE_SECONDS} s pause between two recorded sentences | ${pause.pauses} pause of ${
      pause.longestPauseSeconds.toFixed(2)
    } s (error ${(pause.longestPauseSeconds - PAUSE_SECONDS).toFixed(2)} s) |`,
  );

  const { samples: turn, rate: turnRate } = await readMono(fixture("jfk.wav"));
  const seconds = turn.length / turnRate;
  let sink = 0;
  const analysis = time(() => {
    sink += analyzeDelivery(turn, turnRate).syllables;
  });
  const rms = time(() => {
    let sum = 0;
    for (let i = 0; i < turn.length; i++) sum += turn[i] * turn[i];
    sink += sum;
  });
  lines.push(
    `| cost of an ${seconds.toFixed(1)} s turn (jfk.wav, 24 kHz) | ${analysis.toFixed(2)} ms = ${
      (100 * analysis / 1000 / seconds).toFixed(3)
    } % of real time; a plain RMS pass ${rms.toFixed(2)} ms (${(analysis / rms).toFixed(0)}×) |`,
  );
  if (Number.isNaN(sink)) throw new Error("unreachable");

  // deno-lint-ignore no-console
  console.log(lines.join("\n"));
} finally {
  await Deno.remove(dir, { recursive: true });
}
