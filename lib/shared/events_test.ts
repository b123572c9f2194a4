import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { encodeBase64 } from "./base64.ts";
import {
  CLIENT_EVENT_TYPES,
  type ClientEvent,
  type ErrorEvent,
  errorEvent,
  parseClientEvent,
  type ParseResult,
  parseServerEvent,
} from "./events.ts";

const EVENT_ID = /^event_[0-9A-Za-z]{21}$/;
const PCM_960 = encodeBase64(new Uint8Array(960).map((_, i) => i));
const GA_TYPE_LIST = "'session.update', 'session.close', 'input_audio_buffer.append', " +
  "'session.input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', " +
  "'conversation.item.create', 'conversation.item.truncate', 'conversation.item.delete', " +
  "'conversation.item.retrieve', 'response.create', and 'response.cancel'";
const VOICE_LIST = "'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', " +
  "'marin', and 'cedar'";
const AUDIO_INVALID =
  "Invalid 'audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) but got an invalid value.";

function parse(input: unknown): ParseResult {
  return parseClientEvent(
    typeof input === "string" || input instanceof Uint8Array || input instanceof ArrayBuffer
      ? input
      : JSON.stringify(input),
  );
}

function rejected(result: ParseResult): ErrorEvent {
  if (result.ok) throw new Error(`Expected a rejection, got ${JSON.stringify(result.event)}`);
  return result.error;
}

function accepted(result: ParseResult): { event: ClientEvent; audioBytes: Uint8Array | null } {
  if (!result.ok) throw new Error(`Expected acceptance, got ${JSON.stringify(result.error)}`);
  return result;
}

/** Asserts the GA envelope around any rejection. */
function assertEnvelope(error: ErrorEvent): void {
  equal(error.type, "error");
  match(error.event_id, EVENT_ID);
  deepEqual(Object.keys(error.error).sort(), ["code", "event_id", "message", "param", "type"]);
  equal(error.error.type, "invalid_request_error");
  ok(error.error.code === null || typeof error.error.code === "string");
  ok(typeof error.error.message === "string" && error.error.message.length > 0);
  ok(error.error.param === null || typeof error.error.param === "string");
  ok(error.error.event_id === null || typeof error.error.event_id === "string");
}

interface BadVector {
  name: string;
  input: unknown;
  code: string | null;
  param: string | null;
  message: string | RegExp;
  /** The echoed `error.event_id`. */
  eventId?: string | null;
}

const BAD_VECTORS: BadVector[] = [
  {
    name: "binary Uint8Array",
    input: new Uint8Array([1, 2, 3, 4]),
    code: "invalid_event",
    param: null,
    message: "Expected a text WebSocket message; binary frames are not supported.",
  },
  {
    name: "binary ArrayBuffer",
    input: new ArrayBuffer(960),
    code: "invalid_event",
    param: null,
    message: "Expected a text WebSocket message; binary frames are not supported.",
  },
  {
    name: "not JSON",
    input: "nope",
    code: "invalid_json",
    param: null,
    message: /^Invalid event: failed to parse JSON value\. \S/,
  },
  {
    name: "truncated JSON",
    input: '{"type":"input_audio_buffer.commit"',
    code: "invalid_json",
    param: null,
    message: /^Invalid event: failed to parse JSON value\. /,
  },
  {
    name: "empty text",
    input: "",
    code: "invalid_json",
    param: null,
    message: /^Invalid event: failed to parse JSON value\. /,
  },
  {
    name: "JSON array",
    input: "[]",
    code: "invalid_event",
    param: null,
    message: "Invalid event: expected a JSON object, but got an array instead.",
  },
  {
    name: "JSON null",
    input: "null",
    code: "invalid_event",
    param: null,
    message: "Invalid event: expected a JSON object, but got null instead.",
  },
  {
    name: "JSON string",
    input: '"input_audio_buffer.commit"',
    code: "invalid_event",
    param: null,
    message: "Invalid event: expected a JSON object, but got a string instead.",
  },
  {
    name: "missing type",
    input: { event_id: "evt_1" },
    code: "invalid_event",
    param: "type",
    message: "The 'type' field is missing.",
    eventId: "evt_1",
  },
  {
    name: "unknown type",
    input: { type: "nope", event_id: "commit_10" },
    code: "invalid_value",
    param: "type",
    message: `Invalid value: 'nope'. Supported values are: ${GA_TYPE_LIST}.`,
    eventId: "commit_10",
  },
  {
    name: "beta transcription_session.update",
    input: { type: "transcription_session.update", session: {} },
    code: "invalid_value",
    param: "type",
    message:
      `Invalid value: 'transcription_session.update'. Supported values are: ${GA_TYPE_LIST}.`,
  },
  {
    name: "WebRTC-only output_audio_buffer.clear",
    input: { type: "output_audio_buffer.clear" },
    code: "invalid_value",
    param: "type",
    message: `Invalid value: 'output_audio_buffer.clear'. Supported values are: ${GA_TYPE_LIST}.`,
  },
  {
    name: "type of the wrong JSON type",
    input: { type: 7 },
    code: "invalid_type",
    param: "type",
    message: "Invalid type for 'type': expected a string, but got an integer instead.",
  },
  {
    name: "event_id that is not a string is not echoed",
    input: { type: "input_audio_buffer.commit", event_id: 5 },
    code: "invalid_type",
    param: "event_id",
    message: "Invalid type for 'event_id': expected a string, but got an integer instead.",
    eventId: null,
  },
  {
    name: "unknown top-level field",
    input: { type: "input_audio_buffer.commit", event_id: "e2", bogus: true },
    code: "unknown_parameter",
    param: "bogus",
    message: "Unknown parameter: 'bogus'.",
    eventId: "e2",
  },
  {
    name: "append without audio",
    input: { type: "input_audio_buffer.append", event_id: "a1" },
    code: "missing_required_parameter",
    param: "audio",
    message: "Missing required parameter: 'audio'.",
    eventId: "a1",
  },
  {
    name: "append audio that is not base64",
    input: { type: "input_audio_buffer.append", audio: "not base64!" },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "append audio of a lone base64 character",
    input: { type: "input_audio_buffer.append", audio: "QUJD=" },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "append audio of an odd byte count",
    input: { type: "input_audio_buffer.append", audio: encodeBase64(new Uint8Array(959)) },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "append of empty audio",
    input: { type: "input_audio_buffer.append", audio: "", event_id: "a2" },
    code: "invalid_value",
    param: "audio",
    message:
      "Invalid 'audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) but got empty bytes.",
    eventId: "a2",
  },
  {
    name: "append audio that is not a string",
    input: { type: "input_audio_buffer.append", audio: [1, 2] },
    code: "invalid_type",
    param: "audio",
    message: "Invalid type for 'audio': expected a string, but got an array instead.",
  },
  {
    name: "session alias append with bad audio",
    input: { type: "session.input_audio_buffer.append", audio: "@@@@" },
    code: "invalid_value",
    param: "audio",
    message: AUDIO_INVALID,
  },
  {
    name: "truncate without item_id",
    input: { type: "conversation.item.truncate", content_index: 0, audio_end_ms: 10 },
    code: "missing_required_parameter",
    param: "item_id",
    message: "Missing required parameter: 'item_id'.",
  },
  {
    name: "truncate with negative audio_end_ms",
    input: {
      type: "conversation.item.truncate",
      event_id: "t1",
      item_id: "item_1",
      content_index: 0,
      audio_end_ms: -11,
    },
    code: "integer_below_min_value",
    param: "audio_end_ms",
    message:
      "Invalid 'audio_end_ms': integer below minimum value. Expected a value >= 0, but got -11 instead.",
    eventId: "t1",
  },
  {
    name: "truncate with a string audio_end_ms",
    input: {
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
    input: {
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
    input: { type: "conversation.item.truncate", item_id: "i", content_index: -1, audio_end_ms: 0 },
    code: "integer_below_min_value",
    param: "content_index",
    message:
      "Invalid 'content_index': integer below minimum value. Expected a value >= 0, but got -1 instead.",
  },
  {
    name: "delete without item_id",
    input: { type: "conversation.item.delete" },
    code: "missing_required_parameter",
    param: "item_id",
    message: "Missing required parameter: 'item_id'.",
  },
  {
    name: "retrieve with a numeric item_id",
    input: { type: "conversation.item.retrieve", item_id: 3 },
    code: "invalid_type",
    param: "item_id",
    message: "Invalid type for 'item_id': expected a string, but got an integer instead.",
  },
  {
    name: "item create without item",
    input: { type: "conversation.item.create" },
    code: "missing_required_parameter",
    param: "item",
    message: "Missing required parameter: 'item'.",
  },
  {
    name: "item create with an unknown role",
    input: {
      type: "conversation.item.create",
      item: { type: "message", role: "bot", content: [] },
    },
    code: "invalid_value",
    param: "item.role",
    message: "Invalid value: 'bot'. Supported values are: 'system', 'user', and 'assistant'.",
  },
  {
    name: "item create with beta assistant content type",
    input: {
      type: "conversation.item.create",
      item: { type: "message", role: "assistant", content: [{ type: "text", text: "hi" }] },
    },
    code: "invalid_value",
    param: "item.content[0].type",
    message: "Invalid value: 'text'. Supported values are: 'output_text' and 'output_audio'.",
  },
  {
    name: "item create with bad input_audio",
    input: {
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
    input: {
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text: "a", x: 1 }] },
    },
    code: "unknown_parameter",
    param: "item.content[0].x",
    message: "Unknown parameter: 'item.content[0].x'.",
  },
  {
    name: "function_call_output without output",
    input: {
      type: "conversation.item.create",
      item: { type: "function_call_output", call_id: "c" },
    },
    code: "missing_required_parameter",
    param: "item.output",
    message: "Missing required parameter: 'item.output'.",
  },
  {
    name: "response.create with an unknown response field",
    input: { type: "response.create", response: { modalities: ["text"] } },
    code: "unknown_parameter",
    param: "response.modalities",
    message: "Unknown parameter: 'response.modalities'.",
  },
  {
    name: "response.create with max_output_tokens 0",
    input: { type: "response.create", response: { max_output_tokens: 0 } },
    code: "integer_below_min_value",
    param: "response.max_output_tokens",
    message:
      "Invalid 'response.max_output_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
  },
  {
    name: "response.create with max_output_tokens 4097",
    input: { type: "response.create", response: { max_output_tokens: 4097 } },
    code: "integer_above_max_value",
    param: "response.max_output_tokens",
    message:
      "Invalid 'response.max_output_tokens': integer above maximum value. Expected a value <= 4096, but got 4097 instead.",
  },
  {
    name: "response.create with max_output_tokens 'lots'",
    input: { type: "response.create", response: { max_output_tokens: "lots" } },
    code: "invalid_value",
    param: "response.max_output_tokens",
    message: "Invalid value: 'lots'. Supported values are: 'inf'.",
  },
  {
    name: "response.create with an unknown conversation",
    input: { type: "response.create", response: { conversation: "maybe" } },
    code: "invalid_value",
    param: "response.conversation",
    message: "Invalid value: 'maybe'. Supported values are: 'auto' and 'none'.",
  },
  {
    name: "response.create with a bad voice",
    input: { type: "response.create", response: { audio: { output: { voice: "bob" } } } },
    code: "invalid_value",
    param: "response.audio.output.voice",
    message: `Invalid value: 'bob'. Supported values are: ${VOICE_LIST}.`,
  },
  {
    name: "response.create with a bad input entry type",
    input: { type: "response.create", response: { input: [{ type: "ref", id: "x" }] } },
    code: "invalid_value",
    param: "response.input[0].type",
    message: "Invalid value: 'ref'. Supported values are: 'message', 'function_call', " +
      "'function_call_output', 'mcp_approval_response', and 'item_reference'.",
  },
  {
    name: "response.create with a metadata value that is not a string",
    input: { type: "response.create", response: { metadata: { topic: 1 } } },
    code: "invalid_type",
    param: "response.metadata.topic",
    message:
      "Invalid type for 'response.metadata.topic': expected a string, but got an integer instead.",
  },
  {
    name: "response.create with 17 metadata pairs",
    input: {
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
    input: { type: "response.create", response: null },
    code: "invalid_type",
    param: "response",
    message: "Invalid type for 'response': expected an object, but got null instead.",
  },
  {
    name: "response.cancel with a numeric response_id",
    input: { type: "response.cancel", response_id: 12 },
    code: "invalid_type",
    param: "response_id",
    message: "Invalid type for 'response_id': expected a string, but got an integer instead.",
  },
  {
    name: "session.update without session",
    input: { type: "session.update", event_id: "s0" },
    code: "missing_required_parameter",
    param: "session",
    message: "Missing required parameter: 'session'.",
    eventId: "s0",
  },
  {
    name: "session.update with a string session",
    input: { type: "session.update", session: "realtime" },
    code: "invalid_type",
    param: "session",
    message: "Invalid type for 'session': expected an object, but got a string instead.",
  },
];

Deno.test("parseClientEvent() rejects the vector table with exact GA code, param and message", () => {
  for (const vector of BAD_VECTORS) {
    const error = rejected(parse(vector.input));
    try {
      assertEnvelope(error);
      equal(error.error.code, vector.code);
      equal(error.error.param, vector.param);
      if (typeof vector.message === "string") equal(error.error.message, vector.message);
      else match(error.error.message, vector.message);
      equal(error.error.event_id, vector.eventId ?? null);
    } catch (cause) {
      throw new Error(`vector "${vector.name}" failed`, { cause });
    }
  }
});

Deno.test("parseClientEvent() checks appends as strictly without decoding them (decodeAudio: false)", () => {
  // The relay checks without decoding unless it records: the same errors, no bytes.
  for (const vector of BAD_VECTORS) {
    const text = typeof vector.input === "string" ? vector.input : JSON.stringify(vector.input);
    if (typeof vector.input !== "string" && !(vector.input instanceof Uint8Array)) {
      const decoded = rejected(parseClientEvent(text));
      const checked = rejected(parseClientEvent(text, { decodeAudio: false }));
      deepEqual(checked.error, decoded.error, `vector "${vector.name}"`);
    }
  }
  const good = `{"type":"input_audio_buffer.append","audio":"${PCM_960}"}`;
  const checked = parseClientEvent(good, { decodeAudio: false });
  ok(checked.ok);
  equal(checked.audioBytes, null);
  const decoded = parseClientEvent(good);
  ok(decoded.ok);
  equal(decoded.audioBytes?.length, 960);
});

Deno.test("parseClientEvent() keeps the parser's reason after the invalid_json sentence", () => {
  const error = rejected(parse('{"type": "input_audio_buffer.commit",}'));
  const prefix = "Invalid event: failed to parse JSON value. ";
  ok(error.error.message.startsWith(prefix));
  ok(error.error.message.length > prefix.length);
  ok(error.error.message.length <= prefix.length + 201);
});

Deno.test("parseClientEvent() lists the supported types in CLIENT_EVENT_TYPES order", () => {
  equal(CLIENT_EVENT_TYPES.length, 12);
  equal(CLIENT_EVENT_TYPES.map((type) => `'${type}'`).join(", "), GA_TYPE_LIST.replace("and ", ""));
});

Deno.test("parseClientEvent() cuts an echoed value to 512 characters", () => {
  const error = rejected(parse({ type: "x".repeat(100_000) }));
  ok(error.error.message.startsWith(`Invalid value: '${"x".repeat(512)}…'. Supported values`));
});

/** One valid event of every client type, plus richer shapes; each must come back unchanged. */
const VALID_EVENTS: Record<string, unknown>[] = [
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

Deno.test("parseClientEvent() accepts a valid event of every client type, unchanged", () => {
  const seen = new Set<string>();
  for (const input of VALID_EVENTS) {
    const { event, audioBytes } = accepted(parse(input));
    deepEqual(event, input);
    seen.add(event.type);
    const isAppend = event.type === "input_audio_buffer.append" ||
      event.type === "session.input_audio_buffer.append";
    equal(audioBytes !== null, isAppend);
  }
  deepEqual([...seen].sort(), [...CLIENT_EVENT_TYPES].sort());
});

Deno.test("parseClientEvent() hands back the decoded bytes of an append", () => {
  const pcm = new Uint8Array([1, 0, 255, 127, 0, 128]);
  const { audioBytes } = accepted(
    parse({ type: "input_audio_buffer.append", audio: encodeBase64(pcm) }),
  );
  deepEqual(audioBytes, pcm);
});

Deno.test("parseClientEvent() names a function tool's default type", () => {
  const { event } = accepted(parse({
    type: "session.update",
    session: { type: "realtime", tools: [{ name: "lookup" }] },
  }));
  ok(event.type === "session.update" && event.session.type === "realtime");
  deepEqual(event.session.tools, [{ type: "function", name: "lookup" }]);
});

interface SessionVector {
  name: string;
  session: unknown;
  code: string;
  param: string;
  message: string;
}

const SESSION_VECTORS: SessionVector[] = [
  {
    name: "missing type",
    session: { instructions: "hi" },
    code: "missing_required_parameter",
    param: "session.type",
    message: "Missing required parameter: 'session.type'.",
  },
  {
    name: "unknown type",
    session: { type: "conversation" },
    code: "invalid_value",
    param: "session.type",
    message: "Invalid value: 'conversation'. Supported values are: 'realtime' and 'transcription'.",
  },
  {
    name: "rate 16000",
    session: { type: "realtime", audio: { input: { format: { type: "audio/pcm", rate: 16000 } } } },
    code: "integer_below_min_value",
    param: "session.audio.input.format.rate",
    message: "Invalid 'session.audio.input.format.rate': integer below minimum value. " +
      "Expected a value >= 24000, but got 16000 instead.",
  },
  {
    name: "rate 48000",
    session: { type: "realtime", audio: { input: { format: { type: "audio/pcm", rate: 48000 } } } },
    code: "integer_above_max_value",
    param: "session.audio.input.format.rate",
    message: "Invalid 'session.audio.input.format.rate': integer above maximum value. " +
      "Expected a value <= 24000, but got 48000 instead.",
  },
  {
    name: "beta format string",
    session: { type: "realtime", audio: { input: { format: "pcm16" } } },
    code: "invalid_type",
    param: "session.audio.input.format",
    message:
      "Invalid type for 'session.audio.input.format': expected an object, but got a string instead.",
  },
  {
    name: "rate on G.711",
    session: {
      type: "realtime",
      audio: { output: { format: { type: "audio/pcmu", rate: 8000 } } },
    },
    code: "unknown_parameter",
    param: "session.audio.output.format.rate",
    message: "Unknown parameter: 'session.audio.output.format.rate'.",
  },
  {
    name: "beta modalities",
    session: { type: "realtime", modalities: ["text", "audio"] },
    code: "unknown_parameter",
    param: "session.modalities",
    message: "Unknown parameter: 'session.modalities'.",
  },
  {
    name: "beta input_audio_format",
    session: { type: "realtime", input_audio_format: "pcm16" },
    code: "unknown_parameter",
    param: "session.input_audio_format",
    message: "Unknown parameter: 'session.input_audio_format'.",
  },
  {
    name: "beta top-level voice",
    session: { type: "realtime", voice: "alloy" },
    code: "unknown_parameter",
    param: "session.voice",
    message: "Unknown parameter: 'session.voice'.",
  },
  {
    name: "beta top-level turn_detection",
    session: { type: "realtime", turn_detection: null },
    code: "unknown_parameter",
    param: "session.turn_detection",
    message: "Unknown parameter: 'session.turn_detection'.",
  },
  {
    name: "beta temperature",
    session: { type: "realtime", temperature: 0.8 },
    code: "unknown_parameter",
    param: "session.temperature",
    message: "Unknown parameter: 'session.temperature'.",
  },
  {
    name: "bad voice",
    session: { type: "realtime", audio: { output: { voice: "nova" } } },
    code: "invalid_value",
    param: "session.audio.output.voice",
    message: `Invalid value: 'nova'. Supported values are: ${VOICE_LIST}.`,
  },
  {
    name: "nested unknown in session",
    session: { type: "realtime", bogus_field: 1 },
    code: "unknown_parameter",
    param: "session.bogus_field",
    message: "Unknown parameter: 'session.bogus_field'.",
  },
  {
    name: "nested unknown in audio.input",
    session: { type: "realtime", audio: { input: { bogus: 1 } } },
    code: "unknown_parameter",
    param: "session.audio.input.bogus",
    message: "Unknown parameter: 'session.audio.input.bogus'.",
  },
  {
    name: "unknown server_vad field",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", max_speech_ms: 1 } } },
    },
    code: "unknown_parameter",
    param: "session.audio.input.turn_detection.max_speech_ms",
    message: "Unknown parameter: 'session.audio.input.turn_detection.max_speech_ms'.",
  },
  {
    name: "eagerness on server_vad",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", eagerness: "low" } } },
    },
    code: "unknown_parameter",
    param: "session.audio.input.turn_detection.eagerness",
    message: "Unknown parameter: 'session.audio.input.turn_detection.eagerness'.",
  },
  {
    name: "turn detection without type",
    session: { type: "realtime", audio: { input: { turn_detection: { threshold: 0.5 } } } },
    code: "missing_required_parameter",
    param: "session.audio.input.turn_detection.type",
    message: "Missing required parameter: 'session.audio.input.turn_detection.type'.",
  },
  {
    name: "threshold above 1",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", threshold: 1.5 } } },
    },
    code: "decimal_above_max_value",
    param: "session.audio.input.turn_detection.threshold",
    message:
      "Invalid 'session.audio.input.turn_detection.threshold': decimal above maximum value. " +
      "Expected a value <= 1, but got 1.5 instead.",
  },
  {
    name: "idle timeout below 5000",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", idle_timeout_ms: 1000 } } },
    },
    code: "integer_below_min_value",
    param: "session.audio.input.turn_detection.idle_timeout_ms",
    message:
      "Invalid 'session.audio.input.turn_detection.idle_timeout_ms': integer below minimum value. " +
      "Expected a value >= 5000, but got 1000 instead.",
  },
  {
    name: "idle timeout above 30000",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", idle_timeout_ms: 30001 } } },
    },
    code: "integer_above_max_value",
    param: "session.audio.input.turn_detection.idle_timeout_ms",
    message:
      "Invalid 'session.audio.input.turn_detection.idle_timeout_ms': integer above maximum value. " +
      "Expected a value <= 30000, but got 30001 instead.",
  },
  {
    name: "bad eagerness",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "semantic_vad", eagerness: "xhigh" } } },
    },
    code: "invalid_value",
    param: "session.audio.input.turn_detection.eagerness",
    message: "Invalid value: 'xhigh'. Supported values are: 'low', 'medium', 'high', and 'auto'.",
  },
  {
    name: "create_response as a string",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "semantic_vad", create_response: "yes" } } },
    },
    code: "invalid_type",
    param: "session.audio.input.turn_detection.create_response",
    message: "Invalid type for 'session.audio.input.turn_detection.create_response': " +
      "expected a boolean, but got a string instead.",
  },
  {
    name: "speed 2",
    session: { type: "realtime", audio: { output: { speed: 2 } } },
    code: "decimal_above_max_value",
    param: "session.audio.output.speed",
    message: "Invalid 'session.audio.output.speed': decimal above maximum value. " +
      "Expected a value <= 1.5, but got 2 instead.",
  },
  {
    name: "speed 0.1",
    session: { type: "realtime", audio: { output: { speed: 0.1 } } },
    code: "decimal_below_min_value",
    param: "session.audio.output.speed",
    message: "Invalid 'session.audio.output.speed': decimal below minimum value. " +
      "Expected a value >= 0.25, but got 0.1 instead.",
  },
  {
    name: "both output modalities",
    session: { type: "realtime", output_modalities: ["audio", "text"] },
    code: "invalid_value",
    param: "session.output_modalities",
    message:
      "Invalid modalities: ['audio', 'text']. Supported combinations are: ['text'] and ['audio'].",
  },
  {
    name: "unknown output modality",
    session: { type: "realtime", output_modalities: ["video"] },
    code: "invalid_value",
    param: "session.output_modalities[0]",
    message: "Invalid value: 'video'. Supported values are: 'audio' and 'text'.",
  },
  {
    name: "instructions null",
    session: { type: "realtime", instructions: null },
    code: "invalid_type",
    param: "session.instructions",
    message: "Invalid type for 'session.instructions': expected a string, but got null instead.",
  },
  {
    name: "tool description too long",
    session: {
      type: "realtime",
      tools: [
        { type: "function", name: "a" },
        { type: "function", name: "b" },
        { type: "function", name: "c" },
        { type: "function", name: "d", description: "x".repeat(2473) },
      ],
    },
    code: "string_above_max_length",
    param: "session.tools[3].description",
    message: "Invalid 'session.tools[3].description': string too long. Expected a string with " +
      "maximum length 1024, but got a string with length 2473 instead.",
  },
  {
    name: "bad tool_choice",
    session: { type: "realtime", tool_choice: "always" },
    code: "invalid_value",
    param: "session.tool_choice",
    message: "Invalid value: 'always'. Supported values are: 'none', 'auto', and 'required'.",
  },
  {
    name: "transcription prompt too long",
    session: {
      type: "realtime",
      audio: { input: { transcription: { model: "whisper-1", prompt: "p".repeat(1025) } } },
    },
    code: "string_above_max_length",
    param: "session.audio.input.transcription.prompt",
    message: "Invalid 'session.audio.input.transcription.prompt': string too long. Expected a " +
      "string with maximum length 1024, but got a string with length 1025 instead.",
  },
  {
    name: "noise reduction without type",
    session: { type: "realtime", audio: { input: { noise_reduction: {} } } },
    code: "missing_required_parameter",
    param: "session.audio.input.noise_reduction.type",
    message: "Missing required parameter: 'session.audio.input.noise_reduction.type'.",
  },
  {
    name: "audio.output in a transcription session",
    session: { type: "transcription", audio: { output: { voice: "alloy" } } },
    code: "unknown_parameter",
    param: "session.audio.output",
    message: "Unknown parameter: 'session.audio.output'.",
  },
  {
    name: "instructions in a transcription session",
    session: { type: "transcription", instructions: "x" },
    code: "unknown_parameter",
    param: "session.instructions",
    message: "Unknown parameter: 'session.instructions'.",
  },
  {
    name: "bad include",
    session: { type: "realtime", include: ["logprobs"] },
    code: "invalid_value",
    param: "session.include[0]",
    message:
      "Invalid value: 'logprobs'. Supported values are: 'item.input_audio_transcription.logprobs'.",
  },
];

Deno.test("parseClientEvent() rejects bad session.update payloads with GA errors", () => {
  for (const vector of SESSION_VECTORS) {
    const error = rejected(
      parse({ type: "session.update", event_id: "upd", session: vector.session }),
    );
    try {
      assertEnvelope(error);
      equal(error.error.code, vector.code);
      equal(error.error.param, vector.param);
      equal(error.error.message, vector.message);
      equal(error.error.event_id, "upd");
    } catch (cause) {
      throw new Error(`session vector "${vector.name}" failed`, { cause });
    }
  }
});

Deno.test("parseClientEvent() accepts a partial session.update as sent", () => {
  const session = { type: "realtime", audio: { output: { voice: "marin" } } };
  const { event } = accepted(parse({ type: "session.update", session }));
  ok(event.type === "session.update");
  deepEqual(event.session, session);
});

Deno.test("parseClientEvent() refuses free-form JSON nested deeper than 64 levels", () => {
  let deep: unknown = {};
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  const error = rejected(parse({
    type: "session.update",
    session: { type: "realtime", tools: [{ type: "function", name: "f", parameters: deep }] },
  }));
  equal(error.error.code, "invalid_value");
  equal(error.error.param, "session.tools[0].parameters");
});

Deno.test("errorEvent() builds the GA envelope with defaults", () => {
  const error = errorEvent(
    "response_cancel_not_active",
    "Cancellation failed: no active response found",
  );
  match(error.event_id, EVENT_ID);
  deepEqual(error, {
    type: "error",
    event_id: error.event_id,
    error: {
      type: "invalid_request_error",
      code: "response_cancel_not_active",
      message: "Cancellation failed: no active response found",
      param: null,
      event_id: null,
    },
  });
  const server = errorEvent(null, "boom", { param: "x", eventId: "e", type: "server_error" });
  deepEqual(server.error, {
    type: "server_error",
    code: null,
    message: "boom",
    param: "x",
    event_id: "e",
  });
  ok(errorEvent(null, "a").event_id !== errorEvent(null, "a").event_id);
});

Deno.test("parseServerEvent() returns the object and refuses what is not an event", () => {
  const text = JSON.stringify({ type: "input_audio_buffer.cleared", event_id: "event_1" });
  deepEqual(parseServerEvent(text), { type: "input_audio_buffer.cleared", event_id: "event_1" });
  throws(() => parseServerEvent("{"), SyntaxError);
  throws(() => parseServerEvent("[1]"), SyntaxError);
  throws(() => parseServerEvent('{"type": 3}'), SyntaxError);
  throws(() => parseServerEvent('{"event_id": "x"}'), SyntaxError);
});

// ---------------------------------------------------------------------------------------------
// Properties

/** parseClientEvent never throws and every failure is a well-formed envelope. */
function checkTotal(input: string | Uint8Array): void {
  const result = parseClientEvent(input);
  if (result.ok) {
    ok((CLIENT_EVENT_TYPES as readonly string[]).includes(result.event.type));
    if (result.audioBytes !== null) {
      ok(result.audioBytes.length > 0 && result.audioBytes.length % 2 === 0);
    }
    // Accepting is stable: the accepted event parses again to itself.
    const again = parseClientEvent(JSON.stringify(result.event));
    ok(again.ok);
    deepEqual(again.event, result.event);
  } else {
    assertEnvelope(result.error);
  }
}

const NUM_RUNS = 3000;

Deno.test("parseClientEvent() never throws on arbitrary strings", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" })), checkTotal),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("parseClientEvent() never throws on arbitrary JSON values", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => checkTotal(JSON.stringify(value))),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("parseClientEvent() never throws on arbitrary objects with a known type", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CLIENT_EVENT_TYPES),
      fc.dictionary(fc.string(), fc.jsonValue()),
      (type, fields) => checkTotal(JSON.stringify({ ...fields, type })),
    ),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("parseClientEvent() always refuses binary frames", () => {
  fc.assert(
    fc.property(fc.uint8Array(), (bytes) => {
      const error = rejected(parseClientEvent(bytes));
      assertEnvelope(error);
      equal(error.error.code, "invalid_event");
    }),
    { numRuns: 200 },
  );
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every object or array inside `value`, with `value` itself. */
function containers(value: Json): (Json[] | { [key: string]: Json })[] {
  if (value === null || typeof value !== "object") return [];
  const children = Array.isArray(value) ? value : Object.values(value);
  return [value, ...children.flatMap(containers)];
}

/** Applies one mutation to a copy of `event`: replace, delete or add somewhere inside it. */
function mutate(event: Json, pick: number, kind: string, key: string, replacement: Json): Json {
  const copy: Json = structuredClone(event);
  const targets = containers(copy);
  const target = targets[pick % targets.length];
  const keys = Array.isArray(target) ? target.map((_, i) => String(i)) : Object.keys(target);
  const chosen = keys.length > 0 ? keys[pick % keys.length] : key;
  const record = target as Record<string, Json>;
  if (kind === "delete") {
    if (Array.isArray(target)) target.splice(Number(chosen), 1);
    else delete record[chosen];
  } else if (kind === "add") {
    if (Array.isArray(target)) target.push(replacement);
    else record[key] = replacement;
  } else {
    record[chosen] = replacement;
  }
  return copy;
}

Deno.test("parseClientEvent() never throws on mutated valid events and echoes their event_id", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...VALID_EVENTS),
      fc.nat(),
      fc.constantFrom("replace", "delete", "add"),
      fc.oneof(fc.string(), fc.constantFrom("type", "event_id", "audio", "session", "rate")),
      fc.oneof(fc.jsonValue(), fc.constant(-1), fc.constant(""), fc.constant(null)),
      (event, pick, kind, key, replacement) => {
        const mutated = mutate(event as Json, pick, kind, key, replacement as Json);
        const text = JSON.stringify(mutated);
        checkTotal(text);
        const result = parseClientEvent(text);
        const sent = (mutated as Record<string, unknown>).event_id;
        if (!result.ok) {
          equal(result.error.error.event_id, typeof sent === "string" ? sent : null);
        }
      },
    ),
    { numRuns: NUM_RUNS * 3 },
  );
});

Deno.test("parseClientEvent() survives hostile inputs", () => {
  const hostile = [
    "[".repeat(100_000),
    "[".repeat(50_000) + "]".repeat(50_000),
    '{"type":"session.update","session":' + '{"a":'.repeat(5_000) + "1" + "}".repeat(5_001),
    '{"__proto__":{"type":"session.close"}}',
    '{"type":"session.close","__proto__":{}}',
    '{"type":"input_audio_buffer.append","audio":"' + "A".repeat(2_000_000) + '"}',
    '{"type":"conversation.item.truncate","item_id":"i","content_index":0,"audio_end_ms":1e999}',
    '{"type":"response.create","response":{"max_output_tokens":1e400}}',
    '{"type":"session.update","session":{"type":"realtime","audio":{"output":{"speed":-1e999}}}}',
    '{"type":"constructor"}',
    '{"type":"toString"}',
    '{"type":"session.close","hasOwnProperty":1}',
    "\uFEFF{}",
    '{"type":"\\ud800"}',
  ];
  for (const text of hostile) checkTotal(text);
  const proto = rejected(parseClientEvent('{"type":"session.close","__proto__":{}}'));
  equal(proto.error.param, "__proto__");
});

Deno.test("parseClientEvent() takes odd-length appends in one-byte-per-sample (G.711) sessions", () => {
  const odd = { type: "input_audio_buffer.append", audio: encodeBase64(new Uint8Array(959)) };
  const g711 = parseClientEvent(JSON.stringify(odd), { bytesPerSample: 1 });
  ok(g711.ok);
  equal(g711.audioBytes?.length, 959);
  const pcm = parseClientEvent(JSON.stringify(odd));
  ok(!pcm.ok);
  equal(pcm.error.error.message, AUDIO_INVALID);
  const empty = parseClientEvent(
    JSON.stringify({ type: "input_audio_buffer.append", audio: "" }),
    { bytesPerSample: 1, decodeAudio: false },
  );
  ok(!empty.ok);
  match(empty.error.error.message, /but got empty bytes\.$/);
});
