import { equal, ok } from "node:assert/strict";
import type { Delivery } from "@/lib/shared/delivery.ts";
import {
  fixture,
  pitchSpread,
  readMono,
  RECORDINGS,
  type Sample,
  score,
} from "./delivery_corpus.ts";

function sample(
  source: string,
  variant: number,
  truth: number,
  counted: number,
  pitchHz: number,
): Sample {
  const delivery = { syllables: counted, speechSeconds: truth / 4, pitchHz } as Delivery;
  return { source, variant, truth, seconds: truth / 4, delivery };
}

Deno.test("every recording of the corpus is a mono WAV file in the fixtures", async () => {
  for (const recording of RECORDINGS) {
    const { samples, rate } = await readMono(fixture(recording.file));
    ok(samples.length > rate / 2, `${recording.file}: ${samples.length} samples`);
    ok(samples.every((x) => x >= -1 && x < 1), recording.file);
    ok(recording.syllables > 0);
  }
});

Deno.test("score() measures the errors and the duration-only baseline; pitchSpread() the worst drift", () => {
  const samples = [
    sample("a", 1, 10, 11, 100),
    sample("a", 1.3, 10, 9, 110),
    sample("b", 1, 20, 20, 200),
  ];
  const s = score(samples);
  equal(s.clips, 3);
  equal(s.medianRelativeError, 0.1);
  equal(s.meanAbsoluteError, 2 / 3);
  equal(s.bias, 0);
  // Every clip speaks at the same true rate, so the estimator is exact.
  equal(s.estimatorMeanAbsoluteError, 0);
  const spreads = pitchSpread(samples);
  equal(spreads.length, 2);
  ok(Math.abs(spreads[0].spread - 0.1) < 1e-12);
  equal(spreads[1].spread, 0);
});
