// This module is browser compatible.
/**
 * The schema of a `session.update`'s `session` (docs/protocol.md §4.2–§4.4): one reader per
 * field, realtime and transcription sessions apart, each refusing what GA refuses with GA's
 * `code`, `param` and message. `response.create` reuses the readers it shares (modalities,
 * format, voice, tools, prompt).
 *
 * @module
 */

import { WIRE_SAMPLE_RATE } from "../audio_format.ts";
import {
  childPath,
  InvalidRequestError,
  invalidType,
  isObject,
  keep,
  nullable,
  readArray,
  readBoolean,
  readDecimal,
  readDiscriminator,
  readEnum,
  readFields,
  readInteger,
  readJson,
  readJsonObject,
  readObject,
  readString,
  readStringMap,
  readStringMax,
} from "./readers.ts";
import type { Reader, Readers } from "./readers.ts";
import {
  type AudioFormatUpdate,
  type FunctionTool,
  type MaxOutputTokens,
  type McpTool,
  type McpToolFilter,
  type NoiseReduction,
  type OutputModalities,
  type Prompt,
  type RealtimeSessionUpdate,
  type SessionUpdate,
  type Tool,
  type ToolChoice,
  type Tracing,
  type Transcription,
  type TranscriptionSessionUpdate,
  type Truncation,
  type TurnDetectionUpdate,
  type Voice,
  VOICES,
} from "./session.ts";

/**
 * Reads the `session` of a `session.update` (at `path`, normally "session").
 *
 * @throws {InvalidRequestError} on the first problem found, in the client's key order
 */
export function readSessionUpdate(value: unknown, path: string): SessionUpdate {
  const session = readObject(value, path);
  const type = readDiscriminator(session, path, ["realtime", "transcription"]);
  return type === "realtime"
    ? readFields<RealtimeSessionUpdate>(session, path, REALTIME_SESSION_FIELDS)
    : readFields<TranscriptionSessionUpdate>(session, path, TRANSCRIPTION_SESSION_FIELDS);
}

/** Longest transcription prompt and tool description GA accepts. */
export const MAX_DESCRIPTION_LENGTH = 1024;

/** Reads `["audio"]` or `["text"]`. */
export function readOutputModalities(value: unknown, path: string): OutputModalities {
  const modalities = readArray(readEnum(["audio", "text"] as const))(value, path);
  if (modalities.length !== 1) {
    // Modelled: GA refuses both modalities together ("Invalid modalities"); exact text unseen.
    const shown = `[${modalities.map((m) => `'${m}'`).join(", ")}]`;
    throw new InvalidRequestError(
      "invalid_value",
      `Invalid modalities: ${shown}. Supported combinations are: ['text'] and ['audio'].`,
      path,
    );
  }
  return modalities as OutputModalities;
}

/** Reads an integer 1–4096 or "inf". */
export function readMaxOutputTokens(value: unknown, path: string): MaxOutputTokens {
  if (typeof value === "string") return readEnum(["inf"] as const)(value, path);
  if (typeof value === "number") return readInteger(1, 4096)(value, path);
  throw invalidType(path, "one of an integer or the string 'inf'", value);
}

/** Reads an audio format object (a beta string such as "pcm16" is an `invalid_type`). */
export function readAudioFormat(value: unknown, path: string): AudioFormatUpdate {
  const format = readObject(value, path);
  const type = Object.hasOwn(format, "type")
    ? readEnum(["audio/pcm", "audio/pcmu", "audio/pcma"] as const)(
      format.type,
      childPath(path, "type"),
    )
    : "audio/pcm";
  return type === "audio/pcm"
    ? readFields(format, path, { type: keep, rate: readPcmRate })
    : readFields(format, path, { type: keep });
}

function readPcmRate(value: unknown, path: string): typeof WIRE_SAMPLE_RATE {
  return readInteger(WIRE_SAMPLE_RATE, WIRE_SAMPLE_RATE)(value, path) as typeof WIRE_SAMPLE_RATE;
}

/** Reads one of {@linkcode VOICES}. */
export const readVoice: Reader<Voice> = readEnum(VOICES);

/** Reads a tools array (function and MCP tools). */
export function readTools(value: unknown, path: string): Tool[] {
  return readArray(readTool)(value, path);
}

function readTool(value: unknown, path: string): Tool {
  const tool = readObject(value, path);
  const type = Object.hasOwn(tool, "type")
    ? readEnum(["function", "mcp"] as const)(tool.type, childPath(path, "type"))
    : "function";
  if (type === "mcp") return readFields<McpTool>(tool, path, MCP_TOOL_FIELDS, ["server_label"]);
  // GA lets `type` default to "function"; the effective config names it.
  return {
    type: "function",
    ...readFields<Omit<FunctionTool, "type">>(tool, path, FUNCTION_TOOL_FIELDS),
  };
}

/** Reads "none" | "auto" | "required" or a forced function / MCP tool. */
export function readToolChoice(value: unknown, path: string): ToolChoice {
  if (typeof value === "string") {
    return readEnum(["none", "auto", "required"] as const)(value, path);
  }
  if (!isObject(value)) throw invalidType(path, "one of a string or an object", value);
  const type = readDiscriminator(value, path, ["function", "mcp"]);
  return type === "function"
    ? readFields(value, path, { type: keep, name: readString }, ["name"])
    : readFields(value, path, {
      type: keep,
      server_label: readString,
      name: nullable(readString),
    }, ["server_label"]);
}

/** Reads a prompt template reference. */
export function readPrompt(value: unknown, path: string): Prompt {
  return readFields(value, path, {
    id: readString,
    version: nullable(readString),
    variables: nullable(readJsonObject),
  }, ["id"]);
}

function readTracing(value: unknown, path: string): Tracing {
  if (typeof value === "string") return readEnum(["auto"] as const)(value, path);
  if (!isObject(value)) throw invalidType(path, "one of a string or an object", value);
  return readFields(value, path, {
    workflow_name: readString,
    group_id: readString,
    metadata: readJson,
  });
}

function readTruncation(value: unknown, path: string): Truncation {
  if (typeof value === "string") return readEnum(["auto", "disabled"] as const)(value, path);
  if (!isObject(value)) throw invalidType(path, "one of a string or an object", value);
  readDiscriminator(value, path, ["retention_ratio"]);
  return readFields(value, path, {
    type: keep,
    retention_ratio: readDecimal(0, 1),
    token_limits: (limits: unknown, at: string) =>
      readFields(limits, at, { post_instructions: readInteger(0) }),
  }, ["retention_ratio"]);
}

function readTranscription(value: unknown, path: string): Transcription {
  return readFields(value, path, {
    model: readString,
    language: readString,
    prompt: readStringMax(MAX_DESCRIPTION_LENGTH),
  });
}

function readNoiseReduction(value: unknown, path: string): NoiseReduction {
  const type = readEnum(["near_field", "far_field"] as const);
  return readFields(value, path, { type }, ["type"]);
}

function readTurnDetection(value: unknown, path: string): TurnDetectionUpdate {
  const settings = readObject(value, path);
  const type = readDiscriminator(settings, path, ["server_vad", "semantic_vad"]);
  if (type === "server_vad") {
    return readFields(settings, path, {
      type: keep,
      threshold: readDecimal(0, 1),
      prefix_padding_ms: readInteger(0),
      silence_duration_ms: readInteger(0),
      idle_timeout_ms: nullable(readInteger(5000, 30000)),
      create_response: readBoolean,
      interrupt_response: readBoolean,
    });
  }
  return readFields(settings, path, {
    type: keep,
    eagerness: readEnum(["low", "medium", "high", "auto"] as const),
    create_response: readBoolean,
    interrupt_response: readBoolean,
  });
}

const readInclude = readArray(readEnum(["item.input_audio_transcription.logprobs"] as const));

const AUDIO_INPUT_FIELDS: Readers = {
  format: readAudioFormat,
  noise_reduction: nullable(readNoiseReduction),
  transcription: nullable(readTranscription),
  turn_detection: nullable(readTurnDetection),
};

const AUDIO_OUTPUT_FIELDS: Readers = {
  format: readAudioFormat,
  voice: readVoice,
  speed: readDecimal(0.25, 1.5),
};

const REALTIME_SESSION_FIELDS: Readers = {
  type: keep,
  model: readString,
  instructions: readString,
  output_modalities: readOutputModalities,
  tools: readTools,
  tool_choice: readToolChoice,
  max_output_tokens: readMaxOutputTokens,
  tracing: nullable(readTracing),
  truncation: readTruncation,
  prompt: nullable(readPrompt),
  include: nullable(readInclude),
  audio: (value, path) =>
    readFields(value, path, {
      input: (input, at) => readFields(input, at, AUDIO_INPUT_FIELDS),
      output: (output, at) => readFields(output, at, AUDIO_OUTPUT_FIELDS),
    }),
};

const TRANSCRIPTION_SESSION_FIELDS: Readers = {
  type: keep,
  include: nullable(readInclude),
  audio: (value, path) =>
    readFields(value, path, {
      input: (input, at) => readFields(input, at, AUDIO_INPUT_FIELDS),
    }),
};

const FUNCTION_TOOL_FIELDS: Readers = {
  type: keep,
  name: readString,
  description: readStringMax(MAX_DESCRIPTION_LENGTH),
  parameters: readJsonObject,
};

function readMcpToolFilter(value: unknown, path: string): McpToolFilter {
  return readFields(value, path, { read_only: readBoolean, tool_names: readArray(readString) });
}

const MCP_TOOL_FIELDS: Readers = {
  type: keep,
  server_label: readString,
  server_url: readString,
  connector_id: readString,
  authorization: readString,
  headers: nullable(readStringMap),
  allowed_tools: nullable((value, path) =>
    Array.isArray(value) ? readArray(readString)(value, path) : readMcpToolFilter(value, path)
  ),
  require_approval: nullable((value, path) =>
    typeof value === "string"
      ? readEnum(["always", "never"] as const)(value, path)
      : readFields(value, path, { always: readMcpToolFilter, never: readMcpToolFilter })
  ),
  server_description: readString,
};
