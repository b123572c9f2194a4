/**
 * The emulator's session state machine driven directly, without a socket: a scripted voice
 * detector, the queue while the real one loads, the mapping of its clock, the options it is
 * given, and the caps on what a session holds in memory.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { BYTES_PER_MS } from "../../shared/audio_format.ts";
import { decodeBase64, encodeBase64 } from "../../shared/base64.ts";
import { silence } from "@/testing/fixtures.ts";
import { shape } from "@/testing/ga_sequences.ts";
import type { Json } from "@/testing/ws_client.ts";
import { MAX_CONVERSATION_AUDIO_BYTES } from "./conversation.ts";
import {
  EmulatedSession,
  MAX_BUFFER_MS,
  MAX_PENDING_BYTES,
  type Vad,
  vadOptionsFor,
} from "./session.ts";
import { type VadEvent, type VadOptions, VoiceActivityDetector } from "./vad.ts";

/** A detector that reports scripted events when its own clock (ms pushed) reaches them. */
class ScriptedVad implements Vad {
  pushedMs = 0;
  inSpeech = false;
  closed = false;
  resets = 0;
  configured: VadOptions[] = [];
  #script: { atMs: number; event: VadEvent }[];

  constructor(script: { atMs: number; event: VadEvent }[]) {
    this.#script = [...script];
  }
  configure(options: VadOptions): void {
    this.configured.push(options);
  }
  push(samples: Int16Array): VadEvent[] {
    this.pushedMs += samples.length / 24;
    const due: VadEvent[] = [];
    while (this.#script.length > 0 && this.#script[0].atMs <= this.pushedMs) {
      const { event } = this.#script.shift()!;
      this.inSpeech = event.type === "speech_started";
      due.push(event);
    }
    return due;
  }
  reset(): void {
    this.resets++;
    this.inSpeech = false;
  }
  close(): void {
    this.closed = true;
  }
}

function direct(vad: Vad | Promise<Vad>) {
  const sent: Json[] = [];
  const closes: [number, string][] = [];
  const session = new EmulatedSession({
    send: (text) => sent.push(JSON.parse(text)),
    close: (code, reason) => closes.push([code, reason]),
  }, { model: "gpt-realtime", speedup: 1000, createVad: () => Promise.resolve(vad) });
  const frame = (ms: number) =>
    JSON.stringify({ type: "input_audio_buffer.append", audio: encodeBase64(silence(ms)) });
  return { session, sent, closes, frame };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("EmulatedSession queues frames until the detector loads, then handles them in order", async () => {
  const { promise, resolve } = Promise.withResolvers<Vad>();
  const vad = new ScriptedVad([]);
  const { session, sent, frame } = direct(promise);
  session.start();
  session.receive(frame(100));
  session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
  session.receive(JSON.stringify({ type: "input_audio_buffer.clear" }));
  deepEqual(sent.map((e) => e.type), ["session.created"]);
  resolve(vad);
  await tick();
  deepEqual(shape(sent), [
    "session.created",
    "input_audio_buffer.committed",
    "conversation.item.added",
    "conversation.item.done",
    "input_audio_buffer.cleared",
  ]);
  equal(vad.pushedMs, 100);
  session.dispose();
  equal(vad.closed, true);
});

Deno.test("EmulatedSession.dispose() before the detector loads closes it when it arrives", async () => {
  const { promise, resolve } = Promise.withResolvers<Vad>();
  const vad = new ScriptedVad([]);
  const { session, sent } = direct(promise);
  session.start();
  session.dispose();
  resolve(vad);
  await tick();
  equal(vad.closed, true);
  equal(session.closed, true);
  session.receive(JSON.stringify({ type: "input_audio_buffer.clear" }));
  equal(sent.length, 1);
});

Deno.test("EmulatedSession maps the detector's clock onto the session's after VAD was off", async () => {
  const vad = new ScriptedVad([
    { atMs: 200, event: { type: "speech_started", audioStartMs: 100 } },
    { atMs: 900, event: { type: "speech_stopped", audioEndMs: 800 } },
  ]);
  const { session, sent, frame } = direct(vad);
  session.start();
  await tick();
  const update = (turnDetection: unknown) =>
    session.receive(JSON.stringify({
      type: "session.update",
      session: { type: "realtime", audio: { input: { turn_detection: turnDetection } } },
    }));
  update(null);
  session.receive(frame(1000)); // not fed: the detector's clock stays at 0
  equal(vad.pushedMs, 0);
  update({ type: "semantic_vad", eagerness: "high", create_response: false });
  deepEqual(vad.configured.at(-1), {
    threshold: 0.5,
    prefixPaddingMs: 300,
    silenceDurationMs: 300,
  });
  for (let i = 0; i < 50; i++) session.receive(frame(20));
  const started = sent.find((e) => e.type === "input_audio_buffer.speech_started")!;
  const stopped = sent.find((e) => e.type === "input_audio_buffer.speech_stopped")!;
  equal(started.audio_start_ms, 1100);
  equal(stopped.audio_end_ms, 1800);
  // The turn holds exactly audio_start_ms..audio_end_ms; no response (create_response false).
  const committed = sent.find((e) => e.type === "input_audio_buffer.committed")!;
  equal(committed.item_id, started.item_id);
  equal(sent.some((e) => e.type === "response.created"), false);
  session.receive(JSON.stringify({ type: "conversation.item.retrieve", item_id: started.item_id }));
  const retrieved = sent.at(-1)!;
  equal(decodeBase64(retrieved.item.content[0].audio).length, 700 * BYTES_PER_MS);
  session.dispose();
});

Deno.test("EmulatedSession commits a turn in progress under its announced id on a manual commit", async () => {
  const vad = new ScriptedVad([{ atMs: 300, event: { type: "speech_started", audioStartMs: 0 } }]);
  const { session, sent, frame } = direct(vad);
  session.start();
  await tick();
  session.receive(frame(400));
  const started = sent.at(-1)!;
  equal(started.type, "input_audio_buffer.speech_started");
  session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
  equal(sent.find((e) => e.type === "input_audio_buffer.committed")!.item_id, started.item_id);
  equal(vad.resets, 1);
  session.dispose();
});

Deno.test("vadOptionsFor() maps server_vad fields and fixes semantic_vad settings", () => {
  deepEqual(
    vadOptionsFor({
      type: "server_vad",
      threshold: 0.7,
      prefix_padding_ms: 100,
      silence_duration_ms: 450,
      idle_timeout_ms: null,
      create_response: true,
      interrupt_response: true,
    }),
    { threshold: 0.7, prefixPaddingMs: 100, silenceDurationMs: 450 },
  );
  equal(
    vadOptionsFor({
      type: "semantic_vad",
      eagerness: "low",
      create_response: true,
      interrupt_response: true,
    })
      .silenceDurationMs,
    1000,
  );
});

Deno.test("an idle session with its real detector holds a few KB of heap", async () => {
  // Per-session memory in local mode (BENCHMARKS.md, Load): an idle session must not pay for
  // what only audio needs, such as the detector's resampler. Garbage can only add to the
  // growth measured, so the bound is safe without a forced GC.
  const open = () => {
    const session = new EmulatedSession({ send() {}, close() {} }, {
      model: "gpt-realtime",
      createVad: (options) => VoiceActivityDetector.create(options),
    });
    session.start();
    return session;
  };
  open().dispose();
  await tick();
  const count = 200;
  const sessions: EmulatedSession[] = [];
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) sessions.push(open());
  await tick();
  const perSession = (Deno.memoryUsage().heapUsed - before) / count;
  for (const session of sessions) session.dispose();
  ok(perSession < 16 * 1024, `an idle session grew the heap by ${Math.round(perSession)} bytes`);
});

// ---- memory caps ------------------------------------------------------------------------------

Deno.test("EmulatedSession keeps at most MAX_BUFFER_MS of uncommitted input however much is appended", async () => {
  const { session, sent } = direct(new ScriptedVad([]));
  session.start();
  await tick();
  const cap = MAX_BUFFER_MS * BYTES_PER_MS;
  const second = JSON.stringify({
    type: "input_audio_buffer.append",
    audio: encodeBase64(silence(1000)),
  });
  // Ten minutes of audio, five times the cap, with no commit.
  for (let i = 0; i < 600; i++) {
    session.receive(second);
    ok(session.bufferedAudioBytes <= cap, `${session.bufferedAudioBytes} bytes buffered`);
  }
  equal(session.bufferedAudioBytes, cap);
  equal(sent.filter((e) => e.type === "error").length, 0);
  session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
  equal(session.bufferedAudioBytes, 0);
  equal(session.storedAudioBytes, cap, "the commit took the last two minutes");
  session.dispose();
});

Deno.test("EmulatedSession keeps at most MAX_CONVERSATION_AUDIO_BYTES of conversation audio, dropping the oldest", async () => {
  const { session, sent } = direct(new ScriptedVad([]));
  session.start();
  await tick();
  const cap = MAX_CONVERSATION_AUDIO_BYTES;
  const minute = JSON.stringify({
    type: "input_audio_buffer.append",
    audio: encodeBase64(silence(60_000)),
  });
  let total = 0;
  for (let turn = 0; turn < 12; turn++) {
    // A one-minute user turn, committed…
    session.receive(minute);
    session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
    // …and an assistant item with 1.5 MB of audio of its own.
    session.receive(JSON.stringify({
      type: "conversation.item.create",
      item: {
        type: "message",
        role: "assistant",
        content: [{ type: "output_audio", audio: encodeBase64(silence(31_250)) }],
      },
    }));
    total += 60_000 * BYTES_PER_MS + 31_250 * BYTES_PER_MS;
    ok(session.storedAudioBytes <= cap, `${session.storedAudioBytes} bytes stored`);
  }
  ok(total > 4 * cap, "far more than the cap went in");
  ok(session.storedAudioBytes > cap / 2, "the newest items keep their audio");
  equal(sent.filter((e) => e.type === "error").length, 0);
  // The newest user turn is still there to echo, whole.
  const committed = sent.filter((e) => e.type === "input_audio_buffer.committed");
  session.receive(JSON.stringify({
    type: "conversation.item.retrieve",
    item_id: committed.at(-1)!.item_id,
  }));
  const retrieved = sent.at(-1)!;
  equal(retrieved.type, "conversation.item.retrieved");
  equal(decodeBase64(retrieved.item.content[0].audio).length, 60_000 * BYTES_PER_MS);
  session.dispose();
});

Deno.test("EmulatedSession refuses frames past MAX_PENDING_BYTES while the detector loads, and handles the rest in order", async () => {
  const { promise, resolve } = Promise.withResolvers<Vad>();
  const { session, sent } = direct(promise);
  session.start();
  const frame = JSON.stringify({
    type: "input_audio_buffer.append",
    audio: encodeBase64(silence(10_000)),
  });
  const fits = Math.floor(MAX_PENDING_BYTES / frame.length);
  for (let i = 0; i < fits + 3; i++) session.receive(frame);
  const refused = sent.filter((e) => e.type === "error");
  equal(refused.length, 3);
  equal(refused[0].error.type, "server_error");
  match(refused[0].error.message, /still starting/);
  resolve(new ScriptedVad([]));
  await tick();
  equal(session.bufferedAudioBytes, Math.min(fits * 10_000, MAX_BUFFER_MS) * BYTES_PER_MS);
  session.dispose();
});
