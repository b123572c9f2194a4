/**
 * Accuracy of `analyzeDelivery()` on recorded human speech (tests/fixtures/delivery/, see its
 * PROVENANCE.md) time-stretched 0.75–1.3× with sox, and on espeak-ng speech at three rates.
 * Every target is computed in this run; `deno run -A bench/delivery_accuracy.ts` prints the
 * same figures.
 */
import { ok } from "node:assert/strict";
import * as corpus from "@/testing/delivery_corpus.ts";
import { tempDir } from "@/testing/temp_dir.ts";

/** Targets from the issue: median relative error and the ratio to the estimator's error. */
const MAX_MEDIAN_RELATIVE_ERROR = 0.06;
const MAX_ERROR_RATIO = 0.5;
const MAX_PITCH_SPREAD = 0.12;
const PAUSE_TOLERANCE = 0.15;

function table(samples: corpus.Sample[]): string {
  return samples.map((s) =>
    `${s.source.slice(0, 24).padEnd(24)} ${
      String(s.variant).padStart(4)
    }  truth ${s.truth}  counted ${s.delivery.syllables}  speech ${
      s.delivery.speechSeconds.toFixed(2)
    } s  F0 ${s.delivery.pitchHz?.toFixed(1)}`
  ).join("\n");
}

function assertCounts(samples: corpus.Sample[], what: string): void {
  const s = corpus.score(samples);
  const detail = `${what}: ${JSON.stringify(s)}\n${table(samples)}`;
  ok(
    s.medianRelativeError <= MAX_MEDIAN_RELATIVE_ERROR,
    `median relative error too high; ${detail}`,
  );
  ok(
    s.meanAbsoluteError <= MAX_ERROR_RATIO * s.estimatorMeanAbsoluteError,
    `mean error not under half the duration-only estimator's; ${detail}`,
  );
}

Deno.test("analyzeDelivery() counts the syllables of recorded speech at 0.75–1.3× tempo within the targets, and its pitch holds across tempo", async () => {
  await using dir = await tempDir("delivery_accuracy_");
  const samples = await corpus.recordingSet(dir.path);
  ok(samples.length === 40);
  assertCounts(samples, "recorded speech");
  for (const { source, spread } of corpus.pitchSpread(samples)) {
    ok(
      spread <= MAX_PITCH_SPREAD,
      `${source}: pitch moved ${(spread * 100).toFixed(1)} % with tempo`,
    );
  }
});

Deno.test("analyzeDelivery() counts the syllables of espeak-ng speech at 120, 160 and 220 wpm within the targets", async () => {
  await using dir = await tempDir("delivery_accuracy_");
  const samples = await corpus.espeakSet(dir.path);
  ok(samples.length === 15);
  assertCounts(samples, "espeak-ng speech");
  // Faster speech must read as faster: the rate rises with espeak-ng's words per minute.
  for (let i = 0; i < samples.length; i += 3) {
    const [slow, mid, fast] = samples.slice(i, i + 3).map((s) => s.delivery.syllablesPerSecond);
    ok(slow < mid && mid < fast, `rates not rising with wpm: ${slow}, ${mid}, ${fast}`);
  }
});

Deno.test("analyzeDelivery() measures a 0.7 s pause between two recorded sentences within ±0.15 s", async () => {
  await using dir = await tempDir("delivery_accuracy_");
  const d = await corpus.pauseDelivery(dir.path);
  ok(d.pauses === 1, `expected one pause, got ${JSON.stringify(d)}`);
  ok(
    Math.abs(d.longestPauseSeconds - corpus.PAUSE_SECONDS) <= PAUSE_TOLERANCE,
    `pause measured as ${d.longestPauseSeconds} s`,
  );
});
