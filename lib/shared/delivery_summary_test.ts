import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { readFixturePcm } from "@/testing/fixtures.ts";
import { analyzeDelivery, type Delivery, NO_DELIVERY } from "./delivery.ts";
import { paceOf, wordsPerMinute } from "./delivery_bands.ts";
import { pcm16ToFloat } from "./pcm16.ts";
import {
  formatSeconds,
  formatSigned,
  STEADY_SPREAD_DB,
  summarizeSession,
  summaryJson,
  summaryMarkdown,
  summaryRows,
} from "./delivery_summary.ts";

/** A turn with speech, shaped like what analyzeDelivery returns. */
const spokenTurn: fc.Arbitrary<Delivery> = fc.record({
  speechSeconds: fc.double({ min: 0.05, max: 60, noNaN: true }),
  syllables: fc.integer({ min: 0, max: 400 }),
  pauses: fc.integer({ min: 0, max: 20 }),
  longestPauseSeconds: fc.double({ min: 0, max: 20, noNaN: true }),
  loudnessDbfs: fc.double({ min: -60, max: -3, noNaN: true }),
  pitchHz: fc.option(fc.double({ min: 60, max: 400, noNaN: true })),
  pitchRangeSemitones: fc.double({ min: 0, max: 24, noNaN: true }),
}).map((t) => ({
  ...t,
  syllablesPerSecond: t.syllables / t.speechSeconds,
  pitchRangeSemitones: t.pitchHz === null ? 0 : t.pitchRangeSemitones,
}));
const anyTurn = fc.oneof(spokenTurn, fc.constant({ ...NO_DELIVERY }));

/** Recorded speech fixtures (24 kHz mono), measured. */
async function measured(...names: string[]): Promise<Delivery[]> {
  const turns: Delivery[] = [];
  for (const name of names) {
    turns.push(analyzeDelivery(pcm16ToFloat(await readFixturePcm(`delivery/${name}`)), 24_000));
  }
  return turns;
}

Deno.test("summarizeSession() talk time is the sum and the turn count is every turn", () => {
  fc.assert(fc.property(fc.array(anyTurn, { maxLength: 30 }), (turns) => {
    const summary = summarizeSession(turns);
    equal(summary.turns, turns.length);
    equal(summary.spokenTurns, turns.filter((t) => t.speechSeconds > 0).length);
    ok(Math.abs(summary.talkSeconds - turns.reduce((s, t) => s + t.speechSeconds, 0)) < 1e-9);
    equal(summary.pauses, turns.reduce((s, t) => s + t.pauses, 0));
    equal(summary.longestPauseSeconds, Math.max(0, ...turns.map((t) => t.longestPauseSeconds)));
  }));
});

Deno.test("summarizeSession() average pace lies within the turns' own paces", () => {
  fc.assert(fc.property(fc.array(anyTurn, { maxLength: 30 }), (turns) => {
    const rates = turns.filter((t) => t.speechSeconds > 0).map((t) => t.syllablesPerSecond);
    const { pace } = summarizeSession(turns);
    if (rates.length === 0) return equal(pace, null);
    ok(pace !== null);
    ok(pace.syllablesPerSecond >= Math.min(...rates) - 1e-9);
    ok(pace.syllablesPerSecond <= Math.max(...rates) + 1e-9);
    equal(pace.wordsPerMinute, wordsPerMinute(pace.syllablesPerSecond));
    equal(pace.band, paceOf(pace.wordsPerMinute));
  }));
});

Deno.test("summarizeSession() weights pace by speech seconds", () => {
  const turn = (speechSeconds: number, syllables: number): Delivery => ({
    ...NO_DELIVERY,
    speechSeconds,
    syllables,
    syllablesPerSecond: syllables / speechSeconds,
    loudnessDbfs: -20,
  });
  // 2/s for 9 s and 6/s for 1 s: 24 syllables in 10 s, not the plain mean of 4/s.
  const { pace } = summarizeSession([turn(9, 18), turn(1, 6)]);
  equal(pace?.syllablesPerSecond, 2.4);
});

Deno.test("summarizeSession() loudness spread and pitch variety come from the spoken turns", () => {
  fc.assert(fc.property(fc.array(anyTurn, { maxLength: 30 }), (turns) => {
    const spoken = turns.filter((t) => t.speechSeconds > 0);
    const { loudness, pitch } = summarizeSession(turns);
    if (spoken.length === 0) return equal(loudness, null);
    const levels = spoken.map((t) => t.loudnessDbfs);
    ok(loudness !== null);
    equal(loudness.spreadDb, Math.max(...levels) - Math.min(...levels));
    equal(loudness.steady, loudness.spreadDb <= STEADY_SPREAD_DB);
    const ranges = spoken.filter((t) => t.pitchHz !== null).map((t) => t.pitchRangeSemitones);
    if (ranges.length === 0) return equal(pitch, null);
    ok(pitch !== null);
    ok(pitch.medianRangeSemitones >= Math.min(...ranges));
    ok(pitch.medianRangeSemitones <= Math.max(...ranges));
    equal(pitch.monotone, pitch.medianRangeSemitones < 4);
  }));
});

Deno.test("summarizeSession() trend compares the last third of the turns with the first", () => {
  const at = (rate: number): Delivery => ({
    ...NO_DELIVERY,
    speechSeconds: 2,
    syllables: 2 * rate,
    syllablesPerSecond: rate,
    loudnessDbfs: -20,
  });
  const speeding = summarizeSession([3, 3, 4, 4, 5, 5].map(at)).trend;
  deepEqual(
    [speeding?.direction, speeding?.first.syllablesPerSecond, speeding?.last.syllablesPerSecond],
    ["speeding up", 3, 5],
  );
  equal(summarizeSession([5, 4, 4, 3].map(at)).trend?.direction, "slowing down");
  equal(summarizeSession([4, 2, 4.2].map(at)).trend?.direction, "steady");
  equal(summarizeSession([4, 5].map(at)).trend, null);
  // Silent turns are not turns of the trend.
  equal(summarizeSession([at(3), NO_DELIVERY, at(3), at(4)]).trend?.direction, "speeding up");
});

Deno.test("summarizeSession() of recorded speech reads in Markdown and JSON", async () => {
  const turns = await measured("librivox_0870.wav", "jfk.wav", "cards_005.wav", "goforward.wav");
  const summary = summarizeSession([...turns, { ...NO_DELIVERY }]);
  equal(summary.turns, 5);
  equal(summary.spokenTurns, 4);
  ok(summary.pace && summary.pace.wordsPerMinute > 60 && summary.pace.wordsPerMinute < 300);
  ok(summary.trend !== null);
  const markdown = summaryMarkdown(summary);
  match(markdown, /^# Session summary\n\n\| \| \|\n\| --- \| --- \|\n\| Talk time \| /);
  match(markdown, new RegExp(`about ${summary.pace.wordsPerMinute} words a minute`));
  equal(markdown.trimEnd().split("\n").length, 4 + summaryRows(summary).length);
  const json = JSON.parse(summaryJson(summary));
  deepEqual(Object.keys(json), [
    "turns",
    "spokenTurns",
    "talkSeconds",
    "syllables",
    "pace",
    "pauses",
    "longestPauseSeconds",
    "pitch",
    "loudness",
    "trend",
  ]);
  equal(json.talkSeconds, Math.round(summary.talkSeconds * 10) / 10);
  equal(json.pace.wordsPerMinute, summary.pace.wordsPerMinute);
  equal(json.loudness.averageDbfs, Math.round(summary.loudness!.averageDbfs * 10) / 10);
  equal(summaryJson(summary), summaryJson(summarizeSession([...turns, { ...NO_DELIVERY }])));
});

Deno.test("summaryJson() and summaryMarkdown() of an empty session say there is nothing", () => {
  const summary = summarizeSession([]);
  deepEqual(JSON.parse(summaryJson(summary)), {
    turns: 0,
    spokenTurns: 0,
    talkSeconds: 0,
    syllables: 0,
    pace: null,
    pauses: 0,
    longestPauseSeconds: 0,
    pitch: null,
    loudness: null,
    trend: null,
  });
  match(summaryMarkdown(summary), /\| Average pace \| no speech measured \|/);
});

Deno.test("formatSeconds() and formatSigned() read as people write them", () => {
  equal(formatSeconds(8.44), "8.4 s");
  equal(formatSeconds(59.94), "59.9 s");
  equal(formatSeconds(59.96), "1 min 0 s");
  equal(formatSeconds(125.4), "2 min 5 s");
  equal(formatSigned(-21.34), "\u221221.3");
  equal(formatSigned(-0.01), "0.0");
  equal(formatSigned(3), "3.0");
});

Deno.test("summarizeSession() refuses what is not a list of turns", () => {
  throws(() => summarizeSession(null as unknown as Delivery[]), TypeError);
});
