import { deepEqual, equal, throws } from "node:assert/strict";
import { encodeBase64 } from "../base64.ts";
import { readClientEvent } from "./event_readers.ts";

const PCM_960 = encodeBase64(new Uint8Array(960).map((_, i) => i));
const VOICE_LIST = "'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', " +
  "'marin', and 'cedar'";
const AUDIO_INVALID =
  "Invalid 'audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) but got an invalid value.";

interface FieldVector {
  name: string;
  /** A client event of a known type, as JSON.parse returns it. */
  event: Record<string, unknown>;
  code: string;
  param: string;
  message: string;
}

/** Bad fields of known client events (the frame, its type and event_id are in parse_test.ts). */
const FIELD_VECTORS: FieldVector[] = [
  {
    name: "append audio that is not base64",
    event: { type: "input_audio_buffer.append", audio: "not base64!" },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "append audio of a lone base64 character",
    event: { type: "input_audio_buffer.append", audio: "QUJD=" },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "append audio of an odd byte count",
    event: { type: "input_audio_buffer.append", audio: encodeBase64(new Uint8Array(959)) },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "append audio that is not a string",
    event: { type: "input_audio_buffer.append", audio: [1, 2] },
    code: "invalid_type",
    param: "audio",
    message: "Invalid type for 'audio': expected a string, but got an array instead.",
  },
  {
    name: "session alias append with bad audio",
    event: { type: "session.input_audio_buffer.append", audio: "@@@@" },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "truncate without item_id",
    event: { type: "conversation.item.truncate", content_index: 0, audio_end_ms: 10 },
    code: "missing_required_parameter",
    param: "item_id",
    message: "Missing required parameter: 'item_id'.",
  },
  {
    name: "truncate with a string audio_end_ms",
    event: {
      type: "conversation.item.truncate",
      item_id: "i",
      content_index: 0,
      audio_end_ms: "5",
    },
    code: "invalid_type",
    param: "audio_end_ms",
    message: "Invalid type for 'audio_end_ms': expected an integer, but got a string instead.",
  },
  {
    name: "truncate with a fractional audio_end_ms",
    event: {
      type: "conversation.item.truncate",
      item_id: "i",
      content_index: 0,
      audio_end_ms: 1.5,
    },
    code: "invalid_type",
    param: "audio_end_ms",
    message: "Invalid type for 'audio_end_ms': expected an integer, but got a decimal instead.",
  },
  {
    name: "truncate with a negative content_index",
    event: { type: "conversation.item.truncate", item_id: "i", content_index: -1, audio_end_ms: 0 },
    code: "integer_below_min_value",
    param: "content_index",
    message:
      "Invalid 'content_index': integer below minimum value. Expected a value >= 0, but got -1 instead.",
  },
  {
    name: "delete without item_id",
    event: { type: "conversation.item.delete" },
    code: "missing_required_parameter",
    param: "item_id",
    message: "Missing required parameter: 'item_id'.",
  },
  {
    name: "retrieve with a numeric item_id",
    event: { type: "conversation.item.retrieve", item_id: 3 },
    code: "invalid_type",
    param: "item_id",
    message: "Invalid type for 'item_id': expected a string, but got an integer instead.",
  },
  {
    name: "item create without item",
    event: { type: "conversation.item.create" },
    code: "missing_required_parameter",
    param: "item",
    message: "Missing required parameter: 'item'.",
  },
  {
    name: "item create with an unknown role",
    event: {
      type: "conversation.item.create",
      item: { type: "message", role: "bot", content: [] },
    },
    code: "invalid_value",
    param: "item.role",
    message: "Invalid value: 'bot'. Supported values are: 'system', 'user', and 'assistant'.",
  },
  {
    name: "item create with beta assistant content type",
    event: {
      type: "conversation.item.create",
      item: { type: "message", role: "assistant", content: [{ type: "text", text: "hi" }] },
    },
    code: "invalid_value",
    param: "item.content[0].type",
    message: "Invalid value: 'text'. Supported values are: 'output_text' and 'output_audio'.",
  },
  {
    name: "item create with bad input_audio",
    event: {
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_audio", audio: "%%" }] },
    },
    code: "invalid_value",
    param: "item.content[0].audio",
    message:
      "Invalid 'item.content[0].audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) but got an invalid value.",
  },
  {
    name: "item create with an unknown content field",
    event: {
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text: "a", x: 1 }] },
    },
    code: "unknown_parameter",
    param: "item.content[0].x",
    message: "Unknown parameter: 'item.content[0].x'.",
  },
  {
    name: "function_call_output without output",
    event: {
      type: "conversation.item.create",
      item: { type: "function_call_output", call_id: "c" },
    },
    code: "missing_required_parameter",
    param: "item.output",
    message: "Missing required parameter: 'item.output'.",
  },
  {
    name: "response.create with an unknown response field",
    event: { type: "response.create", response: { modalities: ["text"] } },
    code: "unknown_parameter",
    param: "response.modalities",
    message: "Unknown parameter: 'response.modalities'.",
  },
  {
    name: "response.create with max_output_tokens 0",
    event: { type: "response.create", response: { max_output_tokens: 0 } },
    code: "integer_below_min_value",
    param: "response.max_output_tokens",
    message:
      "Invalid 'response.max_output_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
  },
  {
    name: "response.create with max_output_tokens 4097",
    event: { type: "response.create", response: { max_output_tokens: 4097 } },
    code: "integer_above_max_value",
    param: "response.max_output_tokens",
    message:
      "Invalid 'response.max_output_tokens': integer above maximum value. Expected a value <= 4096, but got 4097 instead.",
  },
  {
    name: "response.create with max_output_tokens 'lots'",
    event: { type: "response.create", response: { max_output_tokens: "lots" } },
    code: "invalid_value",
    param: "response.max_output_tokens",
    message: "Invalid value: 'lots'. Supported values are: 'inf'.",
  },
  {
    name: "response.create with an unknown conversation",
    event: { type: "response.create", response: { conversation: "maybe" } },
    code: "invalid_value",
    param: "response.conversation",
    message: "Invalid value: 'maybe'. Supported values are: 'auto' and 'none'.",
  },
  {
    name: "response.create with a bad voice",
    event: { type: "response.create", response: { audio: { output: { voice: "bob" } } } },
    code: "invalid_value",
    param: "response.audio.output.voice",
    message: `Invalid value: 'bob'. Supported values are: ${VOICE_LIST}.`,
  },
  {
    name: "response.create with a bad input entry type",
    event: { type: "response.create", response: { input: [{ type: "ref", id: "x" }] } },
    code: "invalid_value",
    param: "response.input[0].type",
    message: "Invalid value: 'ref'. Supported values are: 'message', 'function_call', " +
      "'function_call_output', 'mcp_approval_response', and 'item_reference'.",
  },
  {
    name: "response.create with a metadata value that is not a string",
    event: { type: "response.create", response: { metadata: { topic: 1 } } },
    code: "invalid_type",
    param: "response.metadata.topic",
    message:
      "Invalid type for 'response.metadata.topic': expected a string, but got an integer instead.",
  },
  {
    name: "response.create with 17 metadata pairs",
    event: {
      type: "response.create",
      response: { metadata: Object.fromEntries([...Array(17).keys()].map((i) => [`k${i}`, "v"])) },
    },
    code: "object_above_max_properties",
    param: "response.metadata",
    message:
      "Invalid 'response.metadata': too many properties. Expected an object with at most 16 " +
      "properties, but got an object with 17 properties instead.",
  },
  {
    name: "response.create with response null",
    event: { type: "response.create", response: null },
    code: "invalid_type",
    param: "response",
    message: "Invalid type for 'response': expected an object, but got null instead.",
  },
  {
    name: "response.cancel with a numeric response_id",
    event: { type: "response.cancel", response_id: 12 },
    code: "invalid_type",
    param: "response_id",
    message: "Invalid type for 'response_id': expected a string, but got an integer instead.",
  },
  {
    name: "session.update with a string session",
    event: { type: "session.update", session: "realtime" },
    code: "invalid_type",
    param: "session",
    message: "Invalid type for 'session': expected an object, but got a string instead.",
  },
];

Deno.test("readClientEvent() rejects bad fields with exact GA code, param and message, decoding or not", () => {
  for (const vector of FIELD_VECTORS) {
    // The relay checks appends without decoding unless it records: the same errors either way.
    for (const decodeAudio of [true, false]) {
      throws(
        () => readClientEvent(vector.event, { decodeAudio }),
        {
          name: "InvalidRequestError",
          code: vector.code,
          param: vector.param,
          message: vector.message,
        },
        `vector "${vector.name}" (decodeAudio: ${decodeAudio})`,
      );
    }
  }
});

Deno.test("readClientEvent() hands back an append as sent, its audio decoded only when asked", () => {
  const append = { type: "input_audio_buffer.append", event_id: "a", audio: PCM_960 };
  const decoded = readClientEvent(append);
  equal(decoded.event, append, "the hot path does not copy the event");
  equal(decoded.audioBytes?.length, 960);
  deepEqual(readClientEvent(append, { decodeAudio: false }), { event: append, audioBytes: null });
});
