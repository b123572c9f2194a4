import { deepEqual, throws } from "node:assert/strict";
import { readSessionUpdate } from "./session_readers.ts";

const VOICE_LIST = "'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', " +
  "'marin', and 'cedar'";

interface SessionVector {
  name: string;
  session: unknown;
  code: string;
  param: string;
  message: string;
}

/** Fields GA does not know where they stand: each refused as `unknown_parameter`, by its path. */
const UNKNOWN_FIELDS: Omit<SessionVector, "code" | "message">[] = [
  {
    name: "rate on G.711",
    session: {
      type: "realtime",
      audio: { output: { format: { type: "audio/pcmu", rate: 8000 } } },
    },
    param: "session.audio.output.format.rate",
  },
  {
    name: "beta modalities",
    session: { type: "realtime", modalities: ["text", "audio"] },
    param: "session.modalities",
  },
  {
    name: "beta input_audio_format",
    session: { type: "realtime", input_audio_format: "pcm16" },
    param: "session.input_audio_format",
  },
  {
    name: "beta top-level voice",
    session: { type: "realtime", voice: "alloy" },
    param: "session.voice",
  },
  {
    name: "beta top-level turn_detection",
    session: { type: "realtime", turn_detection: null },
    param: "session.turn_detection",
  },
  {
    name: "beta temperature",
    session: { type: "realtime", temperature: 0.8 },
    param: "session.temperature",
  },
  {
    name: "nested unknown in session",
    session: { type: "realtime", bogus_field: 1 },
    param: "session.bogus_field",
  },
  {
    name: "nested unknown in audio.input",
    session: { type: "realtime", audio: { input: { bogus: 1 } } },
    param: "session.audio.input.bogus",
  },
  {
    name: "unknown server_vad field",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", max_speech_ms: 1 } } },
    },
    param: "session.audio.input.turn_detection.max_speech_ms",
  },
  {
    name: "eagerness on server_vad",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", eagerness: "low" } } },
    },
    param: "session.audio.input.turn_detection.eagerness",
  },
  {
    name: "audio.output in a transcription session",
    session: { type: "transcription", audio: { output: { voice: "alloy" } } },
    param: "session.audio.output",
  },
  {
    name: "instructions in a transcription session",
    session: { type: "transcription", instructions: "x" },
    param: "session.instructions",
  },
];

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
    name: "bad voice",
    session: { type: "realtime", audio: { output: { voice: "nova" } } },
    code: "invalid_value",
    param: "session.audio.output.voice",
    message: `Invalid value: 'nova'. Supported values are: ${VOICE_LIST}.`,
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
    name: "bad include",
    session: { type: "realtime", include: ["logprobs"] },
    code: "invalid_value",
    param: "session.include[0]",
    message:
      "Invalid value: 'logprobs'. Supported values are: 'item.input_audio_transcription.logprobs'.",
  },
  ...UNKNOWN_FIELDS.map(({ name, session, param }) => ({
    name,
    session,
    code: "unknown_parameter",
    param,
    message: `Unknown parameter: '${param}'.`,
  })),
];

Deno.test("readSessionUpdate() rejects bad sessions with exact GA code, param and message", () => {
  for (const vector of SESSION_VECTORS) {
    throws(
      () => readSessionUpdate(vector.session, "session"),
      {
        name: "InvalidRequestError",
        code: vector.code,
        param: vector.param,
        message: vector.message,
      },
      `session vector "${vector.name}"`,
    );
  }
});

Deno.test("readSessionUpdate() accepts a partial session as sent", () => {
  const session = { type: "realtime", audio: { output: { voice: "marin" } } };
  deepEqual(readSessionUpdate(session, "session"), session);
});

Deno.test("readSessionUpdate() names a function tool's default type", () => {
  const update = readSessionUpdate({ type: "realtime", tools: [{ name: "lookup" }] }, "session");
  deepEqual(update, { type: "realtime", tools: [{ type: "function", name: "lookup" }] });
});

Deno.test("readSessionUpdate() refuses free-form JSON nested deeper than 64 levels", () => {
  let deep: unknown = {};
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  throws(
    () =>
      readSessionUpdate(
        { type: "realtime", tools: [{ type: "function", name: "f", parameters: deep }] },
        "session",
      ),
    { code: "invalid_value", param: "session.tools[0].parameters" },
  );
});
