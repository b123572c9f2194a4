import { equal } from "node:assert/strict";
import { isMonotone, paceOf, wordsPerMinute } from "./delivery_bands.ts";

Deno.test("wordsPerMinute() turns syllables a second into words a minute, rounded to 10", () => {
  equal(wordsPerMinute(4), 160);
  equal(wordsPerMinute(3.74), 150);
  equal(wordsPerMinute(0), 0);
  equal(wordsPerMinute(Number.NaN), 0);
  equal(wordsPerMinute(-2), 0);
});

Deno.test("paceOf() puts 120 and 170 inside the comfortable band", () => {
  equal(paceOf(110), "slow");
  equal(paceOf(120), "comfortable");
  equal(paceOf(170), "comfortable");
  equal(paceOf(180), "fast");
});

Deno.test("isMonotone() is true under 4 semitones only", () => {
  equal(isMonotone(3.9), true);
  equal(isMonotone(4), false);
  equal(isMonotone(Number.NaN), false);
});
