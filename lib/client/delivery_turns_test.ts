import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import { analyzeDelivery, type Delivery, NO_DELIVERY } from "@/lib/shared/delivery.ts";
import { Framer } from "@/lib/shared/framer.ts";
import { pcm16ToFloat } from "@/lib/shared/pcm16.ts";
import { readFixturePcm, silence } from "@/testing/fixtures.ts";
import { type DeliveryTurn, DeliveryTurns } from "./delivery_turns.ts";

const RATE = 24_000;

/** A recorded speech fixture as the page sends it: 960-byte frames (a partial last one dropped). */
async function framesOf(name: string): Promise<{ frames: Uint8Array[]; floats: Float32Array }> {
  const frames = new Framer().push(await readFixturePcm(`delivery/${name}`));
  const floats = new Float32Array(frames.length * 480);
  frames.forEach((frame, i) => floats.set(pcm16ToFloat(frame), i * 480));
  return { frames, floats };
}

/** `count` frames whose samples count up from `first` (mod 2^15): each sample names its index. */
function rampFrames(first: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, f) => {
    const pcm = new Int16Array(480);
    for (let i = 0; i < 480; i++) pcm[i] = (first + f * 480 + i) % 32768;
    return new Uint8Array(pcm.buffer);
  });
}

/** A DeliveryTurns whose analyzer records the exact samples it was given. */
function recording(options: { seconds?: number } = {}) {
  const spans: Int16Array[] = [];
  const turns = new DeliveryTurns({
    ...options,
    analyze: (samples, rate) => {
      equal(rate, RATE);
      spans.push(Int16Array.from(samples, (x) => Math.round(x * 32768)));
      return { ...NO_DELIVERY };
    },
  });
  return { turns, spans };
}

Deno.test("DeliveryTurns measures a server-VAD turn as analyzeDelivery of exactly its span", async () => {
  const { frames, floats } = await framesOf("jfk.wav");
  const seen: DeliveryTurn[] = [];
  const turns = new DeliveryTurns({ onTurn: (turn) => seen.push(turn) });
  for (const frame of frames) turns.frameSent(frame);
  equal(turns.sentMs, frames.length * 20);
  turns.speechStarted("item_a", 330);
  const turn = turns.speechStopped("item_a", 7_410);
  const expected = analyzeDelivery(floats.slice(330 * 24, 7_410 * 24), RATE);
  ok(expected.syllables > 10, "the span holds speech");
  deepEqual(turn, { itemId: "item_a", delivery: expected });
  deepEqual(seen, [turn]);
  // The committed that follows names the same item: no second turn.
  equal(turns.committed("item_a"), null);
  equal(seen.length, 1);
});

Deno.test("DeliveryTurns maps milliseconds to samples exactly (24 per ms)", () => {
  const { turns, spans } = recording();
  for (const frame of rampFrames(0, 100)) turns.frameSent(frame); // 2 s
  turns.speechStarted("item_1", 123);
  turns.speechStopped("item_1", 1_457);
  const span = spans[0];
  equal(span.length, (1_457 - 123) * 24);
  equal(span[0], 123 * 24);
  equal(span[span.length - 1], (1_457 * 24 - 1) % 32768);
  ok(span.every((v, i) => v === (123 * 24 + i) % 32768));
});

Deno.test("DeliveryTurns measures a push-to-talk turn from the clear to the commit", () => {
  const { turns, spans } = recording();
  for (const frame of rampFrames(0, 10)) turns.frameSent(frame); // 200 ms before the press
  turns.cleared();
  for (const frame of rampFrames(4_800, 25)) turns.frameSent(frame); // held for 500 ms
  const turn = turns.committed("item_p1");
  equal(turn?.itemId, "item_p1");
  equal(spans[0].length, 25 * 480);
  equal(spans[0][0], 4_800);
  // The next press: the commit was the mark, even without a clear.
  for (const frame of rampFrames(16_800, 5)) turns.frameSent(frame);
  turns.committed("item_p2");
  equal(spans[1].length, 5 * 480);
  equal(spans[1][0], 16_800);
});

Deno.test("DeliveryTurns measures a wrapped span the same as the audio itself", async () => {
  const { frames, floats } = await framesOf("librivox_0870.wav"); // about 7 s
  const turns = new DeliveryTurns({ seconds: 5 });
  for (const frame of frames) turns.frameSent(frame);
  const end = turns.sentMs;
  // The ring holds the last 5 s; this span crosses its wrap point.
  const start = end - 4_500;
  turns.speechStarted("item_w", start);
  const { delivery } = turns.speechStopped("item_w", end);
  deepEqual(delivery, analyzeDelivery(floats.slice(start * 24, end * 24), RATE));
  ok(delivery.speechSeconds > 2);
});

Deno.test("DeliveryTurns measures a turn longer than the ring on its last seconds", () => {
  const { turns, spans } = recording({ seconds: 1 });
  for (const frame of rampFrames(0, 150)) turns.frameSent(frame); // 3 s into a 1 s ring
  turns.speechStarted("item_long", 0);
  turns.speechStopped("item_long", 3_000);
  equal(spans[0].length, 24_000);
  equal(spans[0][0], (2_000 * 24) % 32768);
  ok(spans[0].every((v, i) => v === (48_000 + i) % 32768));
});

Deno.test("DeliveryTurns keeps the end of a frame longer than the ring in place", () => {
  const { turns, spans } = recording({ seconds: 1 });
  for (const frame of rampFrames(0, 10)) turns.frameSent(frame); // 200 ms
  const long = new Uint8Array(rampFrames(4_800, 75).flatMap((f) => [...f])); // 1.5 s at once
  turns.frameSent(long);
  equal(turns.sentMs, 1_700);
  turns.speechStarted("item_big", 900);
  turns.speechStopped("item_big", 1_700);
  equal(spans[0].length, 800 * 24);
  ok(spans[0].every((v, i) => v === (900 * 24 + i) % 32768));
});

Deno.test("DeliveryTurns counts from 0 again after reset()", () => {
  const { turns, spans } = recording();
  for (const frame of rampFrames(0, 50)) turns.frameSent(frame);
  turns.reset();
  equal(turns.sentMs, 0);
  for (const frame of rampFrames(10_000, 50)) turns.frameSent(frame);
  turns.speechStarted("item_r", 100);
  turns.speechStopped("item_r", 300);
  equal(spans[0][0], 10_000 + 100 * 24);
  equal(spans[0].length, 200 * 24);
});

Deno.test("DeliveryTurns gives NO_DELIVERY for silence and for spans it does not hold", () => {
  const turns = new DeliveryTurns({ seconds: 1 });
  for (const frame of new Framer().push(silence(2_000))) turns.frameSent(frame);
  turns.speechStarted("item_s", 200);
  deepEqual(turns.speechStopped("item_s", 900).delivery, NO_DELIVERY);
  // Past what was sent, or already overwritten.
  turns.speechStarted("item_f", 2_500);
  deepEqual(turns.speechStopped("item_f", 3_000).delivery, NO_DELIVERY);
  turns.speechStarted("item_o", 0);
  deepEqual(turns.speechStopped("item_o", 900).delivery, NO_DELIVERY);
});

Deno.test("DeliveryTurns clamps a turn's end to the audio sent", async () => {
  const { frames, floats } = await framesOf("librivox_0880.wav");
  const turns = new DeliveryTurns();
  for (const frame of frames) turns.frameSent(frame);
  turns.speechStarted("item_e", 40);
  const { delivery } = turns.speechStopped("item_e", turns.sentMs + 500);
  const expected: Delivery = analyzeDelivery(floats.slice(40 * 24), RATE);
  deepEqual(delivery, expected);
  notDeepEqual(delivery, NO_DELIVERY);
});

Deno.test("DeliveryTurns refuses frames and positions it cannot use", () => {
  const turns = new DeliveryTurns();
  throws(() => turns.frameSent(new Uint8Array(961)), RangeError);
  throws(() => turns.frameSent([1, 2] as unknown as Uint8Array), TypeError);
  throws(() => turns.speechStarted("item_x", -1), RangeError);
  throws(() => turns.speechStopped("item_x", Number.NaN), RangeError);
  throws(() => turns.committed(""), TypeError);
  throws(() => new DeliveryTurns({ seconds: 0 }), RangeError);
});
