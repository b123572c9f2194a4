import { deepEqual, equal, match, notEqual, ok, throws } from "node:assert/strict";
import { BYTES_PER_MS, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { analyzeDelivery, type Delivery, NO_DELIVERY } from "@/lib/shared/delivery.ts";
import { Framer } from "@/lib/shared/framer.ts";
import { pcm16ToFloat } from "@/lib/shared/pcm16.ts";
import { parseClientEvent } from "@/lib/shared/realtime/mod.ts";
import { concat } from "@/testing/bytes.ts";
import { readFixturePcm } from "@/testing/fixtures.ts";
import { createLogger } from "./log.ts";
import {
  DeliveryHints,
  deliveryNote,
  HINT_WINDOW_SECONDS,
  INITIAL_RING_SECONDS,
} from "./delivery_hints.ts";
import type { UpstreamEvent } from "./upstream_event.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const GO = await readFixturePcm("delivery/goforward.wav");
const JFK = await readFixturePcm("delivery/jfk.wav");
const CARDS = await readFixturePcm("delivery/cards_005.wav");

/** The service's answer to the page switching turn detection off. */
const PUSH_TO_TALK = {
  type: "session.updated",
  session: { type: "realtime", audio: { input: { turn_detection: null } } },
};

/** A DeliveryHints with what it sends and logs kept. */
function harness(windowSeconds?: number) {
  const sent: Json[] = [];
  const logs: Json[] = [];
  const hints = new DeliveryHints({
    send: (text) => sent.push(JSON.parse(text)),
    log: createLogger("debug", { sink: (line) => logs.push(JSON.parse(line)) }),
    windowSeconds,
  });
  return {
    hints,
    sent,
    logs,
    /** Forwards `pcm` as 20 ms appends; returns the audio clock (ms) before them. */
    append(pcm: Uint8Array): number {
      const at = hints.audioMs;
      const framer = new Framer();
      for (const frame of [...framer.push(pcm), framer.flush()]) {
        hints.forwarded('{"type":"input_audio_buffer.append","audio":"…"}', frame);
      }
      return at;
    },
    /**
     * A push-to-talk turn (turn detection switched off first): `pcm`, the browser's commit, the
     * service's `committed`, measured.
     */
    async pushToTalk(pcm: Uint8Array, itemId: string, previousItemId: string | null = null) {
      this.upstream(PUSH_TO_TALK);
      this.append(pcm);
      this.forwarded('{"type":"input_audio_buffer.commit"}');
      this.upstream({
        type: "input_audio_buffer.committed",
        item_id: itemId,
        previous_item_id: previousItemId,
      });
      await settle();
    },
    /** A forwarded event other than an append. */
    forwarded(text: string): void {
      hints.forwarded(text, null);
    },
    /** An upstream event through `observe`: what the browser would get (null: nothing). */
    upstream(event: Json): Json | null {
      const text = hints.observe(event as UpstreamEvent, JSON.stringify(event));
      return text === null ? null : JSON.parse(text);
    },
  };
}

function figuresOf(pcm: Uint8Array): Delivery {
  return analyzeDelivery(pcm16ToFloat(pcm), WIRE_SAMPLE_RATE);
}

/** The bytes of the input clock `[startMs, endMs)` of `pcm`. */
function span(pcm: Uint8Array, startMs: number, endMs: number): Uint8Array {
  return pcm.subarray(startMs * BYTES_PER_MS, endMs * BYTES_PER_MS);
}

function noteText(event: Json): string {
  return event.item.content[0].text;
}

/** Lets the measurement (a microtask after `committed`) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("DeliveryHints notes a server-VAD turn: previous_item_id is the committed item, figures of the speech span", async () => {
  const h = harness();
  const all = concat([GO, JFK, CARDS]);
  const startMs = Math.round(GO.length / BYTES_PER_MS);
  const endMs = Math.round((GO.length + JFK.length) / BYTES_PER_MS);
  // The service's VAD says speech started half a second into it.
  h.append(all.subarray(0, (startMs + 500) * BYTES_PER_MS));
  h.upstream({
    type: "input_audio_buffer.speech_started",
    audio_start_ms: startMs,
    item_id: "item_user1",
  });
  h.append(all.subarray((startMs + 500) * BYTES_PER_MS));
  h.upstream({
    type: "input_audio_buffer.speech_stopped",
    audio_end_ms: endMs,
    item_id: "item_user1",
  });
  const committed = h.upstream({
    type: "input_audio_buffer.committed",
    item_id: "item_user1",
    previous_item_id: null,
  });
  equal(committed?.item_id, "item_user1", "committed still reaches the browser");
  equal(h.sent.length, 0, "measured after committed is forwarded, not before");
  await settle();
  equal(h.sent.length, 1);
  const note = h.sent[0];
  equal(note.type, "conversation.item.create");
  equal(note.previous_item_id, "item_user1");
  equal(note.item.type, "message");
  equal(note.item.role, "system");
  equal(note.item.content.length, 1);
  equal(note.item.content[0].type, "input_text");
  match(note.item.id, /^item_/);
  match(note.event_id, /^event_/);
  const expected = figuresOf(span(all, startMs, endMs));
  equal(noteText(note), deliveryNote(expected));
  notEqual(noteText(note), deliveryNote(figuresOf(all)), "the span, not the whole input");
  ok(parseClientEvent(JSON.stringify(note)).ok, "a valid GA client event");
});

Deno.test("DeliveryHints notes a push-to-talk turn: the audio since the last commit, up to the browser's commit", async () => {
  const h = harness();
  await h.pushToTalk(GO, "item_a");
  equal(noteText(h.sent[0]), deliveryNote(figuresOf(GO)));

  h.append(JFK);
  h.forwarded('{"type":"input_audio_buffer.commit"}');
  // The next turn's first audio is forwarded before the service answers the commit.
  h.append(CARDS.subarray(0, 24_000));
  h.upstream({ type: "input_audio_buffer.committed", item_id: "item_b", previous_item_id: "x" });
  await settle();
  equal(h.sent.length, 2);
  equal(h.sent[1].previous_item_id, "item_b");
  equal(noteText(h.sent[1]), deliveryNote(figuresOf(JFK)));
});

Deno.test("DeliveryHints starts the turn again at a clear", async () => {
  const h = harness();
  h.append(JFK);
  h.forwarded('{"type":"input_audio_buffer.clear"}');
  h.upstream({ type: "input_audio_buffer.cleared" });
  await h.pushToTalk(CARDS, "item_c");
  equal(noteText(h.sent[0]), deliveryNote(figuresOf(CARDS)));
});

Deno.test("DeliveryHints measures across the ring's wrap, and a turn longer than the ring over its last seconds", async () => {
  const h = harness(5);
  const all = concat([JFK, CARDS]);
  // 14.5 s written into a 5 s ring: it holds 9.5–14.5 s and wraps at 10 s. The service says
  // speech started half a second after it did, as its VAD does.
  const [startMs, endMs] = [9600, 13600];
  h.append(all.subarray(0, (startMs + 500) * BYTES_PER_MS));
  h.upstream({ type: "input_audio_buffer.speech_started", audio_start_ms: startMs, item_id: "u" });
  h.append(all.subarray((startMs + 500) * BYTES_PER_MS));
  h.upstream({ type: "input_audio_buffer.speech_stopped", audio_end_ms: endMs, item_id: "u" });
  h.upstream({ type: "input_audio_buffer.committed", item_id: "u", previous_item_id: null });
  await settle();
  equal(noteText(h.sent[0]), deliveryNote(figuresOf(span(all, startMs, endMs))));

  await h.pushToTalk(JFK, "v", "u");
  equal(
    noteText(h.sent[1]),
    deliveryNote(figuresOf(JFK.subarray(JFK.length - 5 * 1000 * BYTES_PER_MS))),
  );
});

Deno.test("DeliveryHints falls back to the turn since the last commit when the service's clock is not the relay's (a new upstream session)", async () => {
  const h = harness(10);
  h.append(concat([JFK, JFK])); // 22 s: the first 12 s have left the ring
  h.forwarded('{"type":"input_audio_buffer.commit"}');
  h.upstream({ type: "input_audio_buffer.committed", item_id: "a", previous_item_id: null });
  await settle(); // as in the relay: the next append is another message, after the measure
  h.append(GO);
  // A restarted clock: 0 ms is long gone from the ring.
  h.upstream({ type: "input_audio_buffer.speech_started", audio_start_ms: 0, item_id: "b" });
  h.upstream({ type: "input_audio_buffer.speech_stopped", audio_end_ms: 1500, item_id: "b" });
  h.upstream({ type: "input_audio_buffer.committed", item_id: "b", previous_item_id: "a" });
  await settle();
  equal(h.sent.length, 2);
  equal(noteText(h.sent[1]), deliveryNote(figuresOf(GO)));
});

Deno.test("DeliveryHints keeps only what a turn can need: 3 s while nobody speaks, the turn while one does", async () => {
  const h = harness();
  const idle = new Uint8Array(60 * 1000 * BYTES_PER_MS); // a minute of silence, server VAD
  h.append(idle);
  equal(h.hints.ringBytes, INITIAL_RING_SECONDS * 1000 * BYTES_PER_MS, "no growth while idle");
  // A 22 s turn: the ring doubles to hold it, and the note measures all of it.
  const turn = concat([JFK, JFK]);
  const startMs = h.hints.audioMs;
  h.append(turn.subarray(0, 500 * BYTES_PER_MS));
  h.upstream({ type: "input_audio_buffer.speech_started", audio_start_ms: startMs, item_id: "t" });
  h.append(turn.subarray(500 * BYTES_PER_MS));
  const endMs = h.hints.audioMs;
  h.upstream({ type: "input_audio_buffer.speech_stopped", audio_end_ms: endMs, item_id: "t" });
  h.upstream({ type: "input_audio_buffer.committed", item_id: "t", previous_item_id: null });
  await settle();
  equal(noteText(h.sent[0]), deliveryNote(figuresOf(turn)));
  // 4 → 8 → 16 → 30 s (doubling, up to the window).
  equal(h.hints.ringBytes, HINT_WINDOW_SECONDS * 1000 * BYTES_PER_MS);
});

Deno.test("DeliveryHints sends no note for a turn without enough speech", async () => {
  const h = harness();
  h.append(new Uint8Array(2 * WIRE_SAMPLE_RATE));
  h.forwarded('{"type":"input_audio_buffer.commit"}');
  h.upstream({ type: "input_audio_buffer.committed", item_id: "quiet", previous_item_id: null });
  h.upstream({ type: "input_audio_buffer.committed", item_id: "empty", previous_item_id: "quiet" });
  await settle();
  equal(h.sent.length, 0);
  ok(h.logs.some((l) => l.msg === "delivery not noted: too little speech" && l.item === "quiet"));
});

Deno.test("DeliveryHints keeps the note's events from the browser and places later items after the user's item", async () => {
  const h = harness();
  await h.pushToTalk(JFK, "item_u");
  const { item, event_id } = h.sent[0];
  const noteItem = { ...item, object: "realtime.item", status: "completed" };
  const added = { type: "conversation.item.added", previous_item_id: "item_u", item: noteItem };
  equal(h.upstream(added), null);
  // The assistant's item, placed by the service after the note.
  const assistant = {
    type: "conversation.item.added",
    previous_item_id: item.id,
    item: { id: "item_a", type: "message", role: "assistant", content: [] },
  };
  deepEqual(h.upstream(assistant), { ...assistant, previous_item_id: "item_u" });
  equal(h.upstream({ ...added, type: "conversation.item.done" }), null);
  // Still placed again once the note's own events are over.
  const next = {
    type: "input_audio_buffer.committed",
    item_id: "item_u2",
    previous_item_id: item.id,
  };
  deepEqual(h.upstream(next), { ...next, previous_item_id: "item_u" });
  // Other events pass as they came.
  const other = {
    type: "conversation.item.done",
    previous_item_id: "item_u",
    item: assistant.item,
  };
  deepEqual(h.upstream(other), other);
  const otherError = { type: "error", error: { code: "x", message: "y", event_id: "event_other" } };
  deepEqual(h.upstream(otherError), otherError);
  equal(h.upstream({ type: "error", error: { code: "late", event_id } }), null);
});

Deno.test("DeliveryHints logs an error answering a note and does not forward it", async () => {
  const h = harness();
  await h.pushToTalk(JFK, "item_u");
  const error = {
    type: "error",
    error: {
      type: "invalid_request_error",
      code: "invalid_value",
      message: "Nope",
      param: "item.role",
      event_id: h.sent[0].event_id,
    },
  };
  equal(h.upstream(error), null);
  const line = h.logs.find((l) => l.msg === "upstream refused a delivery note");
  equal(line?.code, "invalid_value");
  equal(line?.level, "warn");
});

Deno.test("deliveryNote() words the figures in one short paragraph", () => {
  const d: Delivery = {
    speechSeconds: 4.23,
    syllables: 16,
    syllablesPerSecond: 3.78,
    pauses: 2,
    longestPauseSeconds: 0.91,
    loudnessDbfs: -23.4,
    pitchHz: 182.6,
    pitchRangeSemitones: 6.14,
  };
  equal(
    deliveryNote(d),
    "Measured delivery of the user's last turn: about 150 words a minute (3.8 syllables/s over " +
      "4.2 s of speech), 2 pauses, longest 0.9 s, loudness -23 dBFS, pitch range 6.1 semitones " +
      "around 183 Hz. Cite these figures when coaching pace, pauses or vocal variety; they are " +
      "measured from the audio, not guessed.",
  );
  const flat = deliveryNote({ ...d, pauses: 1, pitchHz: null, pitchRangeSemitones: 0 });
  match(flat, /, 1 pause, longest 0\.9 s, loudness -23 dBFS\. Cite/);
  match(
    deliveryNote({ ...NO_DELIVERY, speechSeconds: 2, syllables: 8, syllablesPerSecond: 4 }),
    /no pauses/,
  );
});

Deno.test("DeliveryHints refuses a window that is not a positive number of seconds", () => {
  const log = createLogger("silent");
  throws(() => new DeliveryHints({ send: () => {}, log, windowSeconds: 0 }), RangeError);
  throws(() => new DeliveryHints({ send: () => {}, log, windowSeconds: NaN }), RangeError);
});
