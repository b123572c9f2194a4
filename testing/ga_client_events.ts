/**
 * Client events for the tests of the Realtime parser: a valid event of every GA client type
 * (most optional fields set somewhere), and the shape every rejection must have.
 *
 * @module
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import type { ErrorEvent, ParseResult } from "@/lib/shared/realtime/mod.ts";

/** 20 ms of PCM16 (960 bytes) in base64. */
export const PCM_960: string = encodeBase64(new Uint8Array(960).map((_, i) => i));

/** A valid event of every client type, as a client sends it. */
export const VALID_CLIENT_EVENTS: readonly Record<string, unknown>[] = [
  { type: "session.update", event_id: "s1", session: { type: "realtime", instructions: "Coach" } },
  {
    type: "session.update",
    session: {
      type: "realtime",
      model: "gpt-realtime",
      output_modalities: ["text"],
      instructions: "",
      tools: [{
        type: "function",
        name: "lookup",
        description: "Looks up a word",
        parameters: { type: "object", properties: { word: { type: "string" } } },
      }],
      tool_choice: { type: "function", name: "lookup" },
      max_output_tokens: 4096,
      tracing: "auto",
      truncation: { type: "retention_ratio", retention_ratio: 0.8 },
      prompt: null,
      include: ["item.input_audio_transcription.logprobs"],
      audio: {
        input: {
          format: { type: "audio/pcm", rate: 24000 },
          noise_reduction: { type: "near_field" },
          transcription: { model: "gpt-4o-mini-transcribe", language: "en" },
          turn_detection: {
            type: "server_vad",
            threshold: 0.6,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            idle_timeout_ms: 6000,
            create_response: true,
            interrupt_response: false,
          },
        },
        output: { format: { type: "audio/pcmu" }, voice: "marin", speed: 1.25 },
      },
    },
  },
  {
    type: "session.update",
    session: { type: "realtime", audio: { input: { turn_detection: null } } },
  },
  {
    type: "session.update",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "semantic_vad", eagerness: "high" } } },
    },
  },
  {
    type: "session.update",
    session: { type: "transcription", audio: { input: { transcription: { model: "whisper-1" } } } },
  },
  { type: "session.close" },
  { type: "input_audio_buffer.append", event_id: "a", audio: PCM_960 },
  { type: "session.input_audio_buffer.append", audio: PCM_960 },
  { type: "input_audio_buffer.commit", event_id: "commit_10" },
  { type: "input_audio_buffer.clear" },
  {
    type: "conversation.item.create",
    previous_item_id: "root",
    item: {
      type: "message",
      role: "user",
      content: [
        { type: "input_text", text: "Hello" },
        { type: "input_audio", audio: PCM_960, transcript: null },
      ],
    },
  },
  {
    type: "conversation.item.create",
    item: { type: "message", role: "system", content: [{ type: "input_text", text: "Be brief" }] },
  },
  {
    type: "conversation.item.create",
    item: { type: "function_call_output", call_id: "call_1", output: '{"ok":true}' },
  },
  {
    type: "conversation.item.create",
    item: { id: "item_x", type: "function_call", name: "lookup", arguments: "{}", call_id: "c" },
  },
  { type: "conversation.item.truncate", item_id: "item_a", content_index: 0, audio_end_ms: 1500 },
  { type: "conversation.item.delete", item_id: "item_a" },
  { type: "conversation.item.retrieve", event_id: "r", item_id: "item_a" },
  { type: "response.create" },
  {
    type: "response.create",
    response: {
      conversation: "none",
      output_modalities: ["text"],
      instructions: "Summarise",
      metadata: { topic: "summary" },
      max_output_tokens: "inf",
      tool_choice: "none",
      tools: [],
      audio: { output: { voice: "cedar", format: { type: "audio/pcm" } } },
      input: [
        { type: "item_reference", id: "item_a" },
        { type: "message", role: "user", content: [{ type: "input_text", text: "Sum up" }] },
      ],
    },
  },
  { type: "response.cancel" },
  { type: "response.cancel", response_id: "resp_1" },
];

/** Asserts the GA envelope around any rejection (docs/protocol.md §7.1). */
export function assertErrorEnvelope(error: ErrorEvent): void {
  equal(error.type, "error");
  match(error.event_id, /^event_[0-9A-Za-z]{21}$/);
  deepEqual(Object.keys(error.error).sort(), ["code", "event_id", "message", "param", "type"]);
  equal(error.error.type, "invalid_request_error");
  ok(error.error.code === null || typeof error.error.code === "string");
  ok(typeof error.error.message === "string" && error.error.message.length > 0);
  ok(error.error.param === null || typeof error.error.param === "string");
  ok(error.error.event_id === null || typeof error.error.event_id === "string");
}

/** The error of a rejected parse. */
export function rejected(result: ParseResult): ErrorEvent {
  if (result.ok) throw new Error(`Expected a rejection, got ${JSON.stringify(result.event)}`);
  return result.error;
}
