import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { encodeBase64 } from "../base64.ts";
import { CLIENT_EVENT_TYPES, type ClientEvent } from "./client_events.ts";
import { parseClientEvent, type ParseResult, parseServerEvent } from "./parse.ts";
import type { ErrorEvent } from "./server_events.ts";

const EVENT_ID = /^event_[0-9A-Za-z]{21}$/;
const PCM_960 = encodeBase64(new Uint8Array(960).map((_, i) => i));
const GA_TYPE_LIST = "'session.update', 'session.close', 'input_audio_buffer.append', " +
  "'session.input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', " +
  "'conversation.item.create', 'conversation.item.truncate', 'conversation.item.delete', " +
  "'conversation.item.retrieve', 'response.create', and 'response.cancel'";
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
    name: "append of empty audio",
    input: { type: "input_audio_buffer.append", audio: "", event_id: "a2" },
    code: "invalid_value",
    param: "audio",
    message:
      "Invalid 'audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) but got empty bytes.",
    eventId: "a2",
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
    name: "session.update without session",
    input: { type: "session.update", event_id: "s0" },
    code: "missing_required_parameter",
    param: "session",
    message: "Missing required parameter: 'session'.",
    eventId: "s0",
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
