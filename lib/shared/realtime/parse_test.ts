/**
 * `parseClientEvent()` refusing what GA refuses with GA's exact code, param and message, and
 * accepting a valid event of every type unchanged; `parseServerEvent()`. Its properties are in
 * parse_property_test.ts.
 */
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { encodeBase64 } from "../base64.ts";
import {
  assertErrorEnvelope,
  PCM_960,
  rejected,
  VALID_CLIENT_EVENTS,
} from "@/testing/ga_client_events.ts";
import { CLIENT_EVENT_TYPES, type ClientEvent } from "./client_events.ts";
import { parseClientEvent, type ParseResult, parseServerEvent } from "./parse.ts";

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
      assertErrorEnvelope(error);
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
function accepted(result: ParseResult): { event: ClientEvent; audioBytes: Uint8Array | null } {
  if (!result.ok) throw new Error(`Expected acceptance, got ${JSON.stringify(result.error)}`);
  return result;
}

Deno.test("parseClientEvent() accepts a valid event of every client type, unchanged", () => {
  const seen = new Set<string>();
  for (const input of VALID_CLIENT_EVENTS) {
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
