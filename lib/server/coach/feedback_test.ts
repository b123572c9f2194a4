import assert from "node:assert/strict";
import { type Delivery, NO_DELIVERY } from "@/lib/shared/delivery.ts";
import {
  deliveryFeedback,
  NO_SPEECH,
  paceOf,
  SYLLABLES_PER_WORD,
  TOO_SHORT,
  wordsPerMinute,
} from "./feedback.ts";

/** A delivery at `wpm` words a minute over `speechSeconds`, with the rest overridable. */
function delivery(wpm: number, overrides: Partial<Delivery> = {}): Delivery {
  const speechSeconds = overrides.speechSeconds ?? 6;
  const syllablesPerSecond = wpm * SYLLABLES_PER_WORD / 60;
  return {
    speechSeconds,
    syllables: Math.round(syllablesPerSecond * speechSeconds),
    syllablesPerSecond,
    pauses: 0,
    longestPauseSeconds: 0,
    loudnessDbfs: -20,
    pitchHz: 120,
    pitchRangeSemitones: 7,
    ...overrides,
  };
}

Deno.test("wordsPerMinute() converts syllables per second at 1.5 syllables a word, to the nearest 10", () => {
  const table: [number, number][] = [
    [0, 0],
    [-1, 0],
    [Number.NaN, 0],
    [3.75, 150], // 3.75 × 60 / 1.5 = 150
    [3.8, 150], // 152 → 150
    [3.9, 160], // 156 → 160
    [2.5, 100],
    [5, 200],
  ];
  for (const [rate, wpm] of table) assert.equal(wordsPerMinute(rate), wpm, `${rate} syllables/s`);
});

Deno.test("paceOf() bands: slow < 120, comfortable 120–170, fast > 170", () => {
  const bands = { slow: [80, 110], comfortable: [120, 150, 170], fast: [180, 240] };
  for (const [pace, wpms] of Object.entries(bands)) {
    for (const wpm of wpms) assert.equal(paceOf(wpm), pace, `${wpm} wpm`);
  }
});

Deno.test("deliveryFeedback() leads with the measured pace and says the longest pause", () => {
  const table: [Delivery, string][] = [
    [
      delivery(150, { pauses: 2, longestPauseSeconds: 1.23 }),
      "About 150 words a minute — a comfortable pace; your longest pause was 1.2 seconds. " +
      "Your pitch rises and falls nicely.",
    ],
    [
      delivery(100, { pauses: 1, longestPauseSeconds: 0.96 }),
      "About 100 words a minute — a little slow, so try picking up the pace; your longest " +
      "pause was 1 second. Your pitch rises and falls nicely.",
    ],
    [
      delivery(200, { pitchRangeSemitones: 2.5 }),
      "About 200 words a minute — a little fast, so try slowing down. Try letting your pitch " +
      "rise and fall more.",
    ],
    [
      delivery(168, { pauses: 3, longestPauseSeconds: 4.04, pitchRangeSemitones: 3.9 }),
      "About 170 words a minute — a comfortable pace; your longest pause was 4 seconds, a " +
      "long one. Try letting your pitch rise and fall more.",
    ],
    [
      delivery(140, { speechSeconds: 12 }),
      "About 140 words a minute — a comfortable pace. Try a short pause between ideas.",
    ],
    [
      delivery(140, { pitchHz: null, pitchRangeSemitones: 0 }),
      "About 140 words a minute — a comfortable pace.",
    ],
    [
      delivery(130, { pitchRangeSemitones: 4 }),
      "About 130 words a minute — a comfortable pace. Your pitch rises and falls nicely.",
    ],
  ];
  for (const [d, said] of table) assert.equal(deliveryFeedback(d), said);
});

Deno.test("deliveryFeedback() asks to try again without speech or with too little", () => {
  const empty: Delivery = { ...NO_DELIVERY };
  assert.equal(deliveryFeedback(empty), NO_SPEECH);
  assert.equal(deliveryFeedback({ ...empty, speechSeconds: Number.NaN }), NO_SPEECH);
  assert.equal(deliveryFeedback(delivery(150, { speechSeconds: 0.6 })), TOO_SHORT);
  assert.equal(deliveryFeedback({ ...delivery(150), syllables: 3 }), TOO_SHORT);
  assert.match(NO_SPEECH, /try again/i);
});

Deno.test("deliveryFeedback() keeps to one or two sentences and never says NaN", () => {
  for (const wpm of [60, 90, 119, 121, 150, 171, 250, 400]) {
    for (const longest of [0, 0.25, 1, 2.96, 3.5, 12]) {
      for (const range of [0, 3.99, 4, 9]) {
        const d = delivery(wpm, {
          pauses: longest > 0 ? 1 : 0,
          longestPauseSeconds: longest,
          pitchRangeSemitones: range,
        });
        const said = deliveryFeedback(d);
        assert.ok(said.startsWith("About "), said);
        assert.doesNotMatch(said, /NaN|undefined|Infinity/);
        const sentences = said.split(/(?<=\.) /).length;
        assert.ok(sentences >= 1 && sentences <= 2, said);
      }
    }
  }
  assert.throws(() => deliveryFeedback(null as unknown as Delivery), TypeError);
});
