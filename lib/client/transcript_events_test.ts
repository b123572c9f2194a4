import { deepEqual, equal } from "node:assert/strict";
import type { ServerEvent } from "@/lib/shared/realtime/mod.ts";
import { Transcript } from "./transcript.ts";
import { applyTranscriptEvent, NOT_TRANSCRIBED, SPOKEN_TURN } from "./transcript_events.ts";

function event(type: string, fields: Record<string, unknown> = {}): ServerEvent {
  return { type, event_id: `event_${type}`, ...fields } as unknown as ServerEvent;
}

function message(id: string, role: string, previous: string | null): ServerEvent {
  return event("conversation.item.added", {
    previous_item_id: previous,
    item: { id, type: "message", role, status: "in_progress", content: [] },
  });
}

Deno.test("applyTranscriptEvent() builds the conversation from a user turn and an answer", () => {
  const t = new Transcript();
  const events = [
    message("u1", "user", null),
    event("conversation.item.input_audio_transcription.delta", { item_id: "u1", delta: "Hel" }),
    event("conversation.item.input_audio_transcription.completed", {
      item_id: "u1",
      transcript: "Hello",
    }),
    message("a1", "assistant", "u1"),
    event("response.output_audio_transcript.delta", { item_id: "a1", delta: "Hi " }),
    event("response.output_audio_transcript.delta", { item_id: "a1", delta: "there" }),
    event("response.output_audio_transcript.done", { item_id: "a1", transcript: "Hi there" }),
  ];
  for (const e of events) equal(applyTranscriptEvent(t, e), true, e.type);
  deepEqual(t.entries, [
    { itemId: "u1", role: "user", text: "Hello", status: "done" },
    { itemId: "a1", role: "assistant", text: "Hi there", status: "done" },
  ]);
});

Deno.test("applyTranscriptEvent() marks untranscribed and interrupted turns", () => {
  const t = new Transcript();
  applyTranscriptEvent(t, message("u1", "user", null));
  applyTranscriptEvent(
    t,
    event("conversation.item.input_audio_transcription.failed", { item_id: "u1" }),
  );
  applyTranscriptEvent(t, message("a1", "assistant", "u1"));
  applyTranscriptEvent(
    t,
    event("response.output_audio_transcript.delta", { item_id: "a1", delta: "Well" }),
  );
  applyTranscriptEvent(t, event("conversation.item.truncated", { item_id: "a1" }));
  deepEqual(t.entries, [
    { itemId: "u1", role: "user", text: NOT_TRANSCRIBED, status: "unavailable" },
    { itemId: "a1", role: "assistant", text: "Well…", status: "truncated" },
  ]);
});

Deno.test("applyTranscriptEvent() leaves other events and other items alone", () => {
  const t = new Transcript();
  const others = [
    event("conversation.item.added", {
      previous_item_id: null,
      item: { id: "f1", type: "function_call", name: "x" },
    }),
    message("s1", "system", null),
    event("response.output_audio.delta", { item_id: "a1", delta: "AAAA" }),
    event("input_audio_buffer.speech_started", { item_id: "u1", audio_start_ms: 0 }),
    event("session.updated", { session: {} }),
  ];
  for (const e of others) equal(applyTranscriptEvent(t, e), false, e.type);
  deepEqual(t.entries, []);
});

Deno.test("applyTranscriptEvent() shows a typed turn's text at once", () => {
  const t = new Transcript();
  applyTranscriptEvent(
    t,
    event("conversation.item.added", {
      previous_item_id: null,
      item: {
        id: "u1",
        type: "message",
        role: "user",
        status: "completed",
        content: [{ type: "input_text", text: "How was my pace?" }],
      },
    }),
  );
  deepEqual(t.entries, [{ itemId: "u1", role: "user", text: "How was my pace?", status: "done" }]);
});

Deno.test("applyTranscriptEvent() says a spoken turn is not transcribed when nothing is", () => {
  const t = new Transcript();
  const spoken = event("conversation.item.added", {
    previous_item_id: null,
    item: { id: "u1", type: "message", role: "user", content: [{ type: "input_audio" }] },
  });
  applyTranscriptEvent(t, spoken, { transcribing: false });
  deepEqual(t.entries, [{ itemId: "u1", role: "user", text: SPOKEN_TURN, status: "unavailable" }]);
  const waiting = new Transcript();
  applyTranscriptEvent(waiting, spoken);
  equal(waiting.entries[0].status, "streaming");
});

Deno.test("applyTranscriptEvent() marks the answer of a cancelled response interrupted", () => {
  const t = new Transcript();
  applyTranscriptEvent(t, message("a1", "assistant", null));
  applyTranscriptEvent(
    t,
    event("response.output_audio_transcript.delta", { item_id: "a1", delta: "(local echo of " }),
  );
  const done = (status: string, output: unknown[]) =>
    event("response.done", { response: { id: "r1", status, output } });
  equal(applyTranscriptEvent(t, done("completed", [{ id: "a1", type: "message" }])), false);
  equal(t.entries[0].status, "streaming");
  equal(applyTranscriptEvent(t, done("cancelled", [{ id: "zz", type: "message" }])), false);
  equal(applyTranscriptEvent(t, done("cancelled", [{ id: "a1", type: "message" }])), true);
  deepEqual(t.entries, [
    { itemId: "a1", role: "assistant", text: "(local echo of…)", status: "truncated" },
  ]);
});
