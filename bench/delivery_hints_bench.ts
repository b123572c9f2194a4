/**
 * The relay's cost of delivery hints (`lib/server/delivery_hints.ts`), in the same run as a
 * plain pass over the same audio: `deno task bench`.
 *
 * - **One 11 s turn** (recorded speech): tapping its 550 appends into the ring, then the
 *   server-VAD events and `committed`, the measurement and the note, beside the plain pass
 *   (the tap alone, no turn measured) and `analyzeDelivery()` alone. Cost as a share of real time = time per iteration / 11 s.
 * - **One append**: with hints on, the relay decodes every JSON append (as it does when
 *   recording): the admission's parse with the decode and the tap, beside the parse without.
 *
 * Run: deno bench --allow-read bench/delivery_hints_bench.ts
 *
 * @module
 */
import { DeliveryHints } from "../lib/server/delivery_hints.ts";
import { createLogger } from "../lib/server/log.ts";
import type { UpstreamEvent } from "../lib/server/upstream_event.ts";
import { BYTES_PER_MS, WIRE_SAMPLE_RATE } from "../lib/shared/audio_format.ts";
import { analyzeDelivery } from "../lib/shared/delivery.ts";
import { encodeBase64 } from "../lib/shared/base64.ts";
import { Framer } from "../lib/shared/framer.ts";
import { pcm16ToFloat } from "../lib/shared/pcm16.ts";
import { parseClientEvent } from "../lib/shared/realtime/mod.ts";
import { readFixturePcm } from "../testing/fixtures.ts";

const pcm = await readFixturePcm("delivery/jfk.wav");
const frames = new Framer().push(pcm);
const samples = pcm16ToFloat(pcm);
const turnMs = frames.length * frames[0].length / BYTES_PER_MS;
const APPEND = '{"type":"input_audio_buffer.append","audio":"…"}';
let notes = 0;
const hints = new DeliveryHints({ send: () => notes++, log: createLogger("silent") });
let turn = 0;
let sink = 0;

function upstream(event: UpstreamEvent): void {
  if (hints.observe(event, "") === null) sink++;
}

const group = `one ${(turnMs / 1000).toFixed(1)} s turn`;

const plain = new DeliveryHints({ send: () => {}, log: createLogger("silent") });

Deno.bench({
  name: "plain pass: the 550 appends into the ring",
  group,
  baseline: true,
  fn() {
    for (const frame of frames) plain.forwarded(APPEND, frame);
  },
});

Deno.bench({
  name: "analyzeDelivery() alone",
  group,
  fn() {
    sink += analyzeDelivery(samples, WIRE_SAMPLE_RATE).syllables;
  },
});

Deno.bench({
  name: "DeliveryHints: tap 550 appends, measure, note",
  group,
  async fn() {
    const start = hints.audioMs;
    for (const frame of frames) hints.forwarded(APPEND, frame);
    const item = `item_${turn++}`;
    upstream({ type: "input_audio_buffer.speech_started", audio_start_ms: start, item_id: item });
    upstream({
      type: "input_audio_buffer.speech_stopped",
      audio_end_ms: hints.audioMs,
      item_id: item,
    });
    upstream({ type: "input_audio_buffer.committed", item_id: item, previous_item_id: null });
    // The note is measured in a microtask queued before this await's continuation.
    await null;
  },
});

const text = JSON.stringify({ type: "input_audio_buffer.append", audio: encodeBase64(frames[0]) });

Deno.bench({
  name: "append: parse, no decode",
  group: "one 20 ms append",
  baseline: true,
  fn() {
    const parsed = parseClientEvent(text, { decodeAudio: false });
    if (parsed.ok) sink++;
  },
});

Deno.bench({
  name: "append: parse, decode, tap",
  group: "one 20 ms append",
  fn() {
    const parsed = parseClientEvent(text, { decodeAudio: true });
    if (parsed.ok && parsed.audioBytes) hints.forwarded(text, parsed.audioBytes);
  },
});

addEventListener("unload", () => {
  if (Number.isNaN(sink) || notes === 0) throw new Error("unreachable: keeps the results alive");
});
