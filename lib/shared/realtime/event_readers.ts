// This module is browser compatible.
/**
 * The readers of the client events' fields (docs/protocol.md §3.2–§3.5): the event `type`,
 * the append's audio (the hot path, 50 a second per session), items and their content, and
 * the `response` of `response.create`. Each throws {@linkcode InvalidRequestError} with GA's
 * `code`, `param` and message; `parse.ts` turns that into an `error` event.
 *
 * @module
 */

import { BYTES_PER_SAMPLE } from "../audio_format.ts";
import { base64ByteLength, decodeBase64 } from "../base64.ts";
import { CLIENT_EVENT_TYPES, type ClientEvent, type ClientEventType } from "./client_events.ts";
import type { ItemParam, ItemReference } from "./items.ts";
import {
  childPath,
  InvalidRequestError,
  invalidValue,
  keep,
  missingParameter,
  nullable,
  readArray,
  readBoolean,
  readDiscriminator,
  readEnum,
  readFields,
  readInteger,
  readObject,
  readString,
  readStringMax,
  unknownParameter,
} from "./readers.ts";
import type { Reader, Readers } from "./readers.ts";
import type { ResponseCreateParams } from "./responses.ts";
import {
  readAudioFormat,
  readMaxOutputTokens,
  readOutputModalities,
  readPrompt,
  readSessionUpdate,
  readToolChoice,
  readTools,
  readVoice,
} from "./session_readers.ts";

/** Options of {@linkcode readClientEvent}: how an append's audio is read. */
export interface ReadClientEventOptions {
  /**
   * Whether to decode an append's audio into `audioBytes`. With false the audio is checked
   * just as strictly (valid base64, whole samples, not empty) but not decoded, and
   * `audioBytes` is null: for a relay that forwards the text as it came and needs the bytes
   * only when it records them.
   * @default {true}
   */
  decodeAudio?: boolean;
  /**
   * Bytes per sample of the session's input audio: appends must hold whole samples. A G.711
   * session (`audio/pcmu`, `audio/pcma`) has 1, so any non-empty length is whole there.
   * @default {2 (PCM16)}
   */
  bytesPerSample?: 1 | 2;
}

/** A client event as read, with the decoded audio of an append (null for every other event). */
export interface ReadClientEventResult {
  event: ClientEvent;
  audioBytes: Uint8Array | null;
}

/**
 * Reads a client event already parsed from JSON into an object: its `type` first, then its
 * fields in the client's key order.
 *
 * @throws {InvalidRequestError} on the first problem found, with GA's code, param and message
 */
export function readClientEvent(
  raw: Record<string, unknown>,
  options: ReadClientEventOptions = {},
): ReadClientEventResult {
  if (!Object.hasOwn(raw, "type")) {
    throw new InvalidRequestError("invalid_event", "The 'type' field is missing.", "type");
  }
  const type = readString(raw.type, "type");
  if (!isClientEventType(type)) throw invalidValue("type", type, CLIENT_EVENT_TYPES);
  switch (type) {
    case "session.update":
      return only(readFields(raw, "", SESSION_UPDATE_FIELDS, ["session"]));
    case "session.close":
    case "input_audio_buffer.commit":
    case "input_audio_buffer.clear":
      return only(readFields(raw, "", BASE_FIELDS));
    case "input_audio_buffer.append":
    case "session.input_audio_buffer.append":
      return readAppend(
        raw,
        options.decodeAudio ?? true,
        options.bytesPerSample ?? BYTES_PER_SAMPLE,
      );
    case "conversation.item.create":
      return only(readFields(raw, "", ITEM_CREATE_FIELDS, ["item"]));
    case "conversation.item.truncate":
      return only(
        readFields(raw, "", TRUNCATE_FIELDS, ["item_id", "content_index", "audio_end_ms"]),
      );
    case "conversation.item.delete":
    case "conversation.item.retrieve":
      return only(readFields(raw, "", ITEM_ID_FIELDS, ["item_id"]));
    case "response.create":
      return only(readFields(raw, "", RESPONSE_CREATE_FIELDS));
    case "response.cancel":
      return only(readFields(raw, "", RESPONSE_CANCEL_FIELDS));
    default: {
      const unhandled: never = type;
      throw new TypeError(`Cannot parse client event: no reader for '${unhandled}'`);
    }
  }
}

function only(event: ClientEvent): { event: ClientEvent; audioBytes: null } {
  return { event, audioBytes: null };
}

function isClientEventType(type: string): type is ClientEventType {
  return (CLIENT_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * Reads an append (50 a second per session: the hot path, so no per-call readers object and
 * no copy of the event). The same checks, in the same order, as `readFields` with
 * {@linkcode BASE_FIELDS} plus `audio`: the first unknown or invalid field in the event's own
 * key order is the one reported.
 */
function readAppend(
  raw: Record<string, unknown>,
  decode: boolean,
  bytesPerSample: 1 | 2,
): ReadClientEventResult {
  let audioBytes: Uint8Array | null = null;
  let hasAudio = false;
  for (const key of Object.keys(raw)) {
    if (key === "type") continue;
    if (key === "event_id") readString(raw.event_id, key);
    else if (key === "audio") {
      hasAudio = true;
      audioBytes = readAppendAudio(raw.audio, key, decode, bytesPerSample);
    } else throw unknownParameter(key);
  }
  if (!hasAudio) throw missingParameter("audio");
  return { event: raw as unknown as ClientEvent, audioBytes };
}

/**
 * Reads base64 audio that must decode to a non-empty number of whole samples (an even number
 * of bytes for PCM16), decoded when `decode`, else only checked (null).
 */
function readAppendAudio(
  value: unknown,
  path: string,
  decode: boolean,
  bytesPerSample: 1 | 2,
): Uint8Array | null {
  const text = readString(value, path);
  let bytes: Uint8Array | null = null;
  let length: number;
  try {
    if (decode) length = (bytes = decodeBase64(text)).length;
    else length = base64ByteLength(text);
  } catch {
    throw invalidAudio(path, "an invalid value");
  }
  if (length === 0) throw invalidAudio(path, "empty bytes");
  if (length % bytesPerSample !== 0) throw invalidAudio(path, "an invalid value");
  return bytes;
}

function invalidAudio(path: string, got: string): InvalidRequestError {
  return new InvalidRequestError(
    "invalid_value",
    `Invalid '${path}'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) but got ${got}.`,
    path,
  );
}

function readAudioText(value: unknown, path: string): string {
  readAppendAudio(value, path, false, BYTES_PER_SAMPLE);
  return value as string;
}

const ITEM_STATUS = readEnum(["completed", "incomplete", "in_progress"] as const);
const ITEM_COMMON: Readers = {
  type: keep,
  id: readString,
  object: readEnum(["realtime.item"] as const),
  status: ITEM_STATUS,
};

const CONTENT_FIELDS: Record<string, { readers: Readers; required: string[] }> = {
  input_text: { readers: { type: keep, text: readString }, required: ["text"] },
  input_audio: {
    readers: { type: keep, audio: readAudioText, transcript: nullable(readString) },
    required: [],
  },
  input_image: {
    readers: {
      type: keep,
      image_url: readString,
      detail: readEnum(["auto", "low", "high"] as const),
    },
    required: ["image_url"],
  },
  output_text: { readers: { type: keep, text: readString }, required: ["text"] },
  output_audio: {
    readers: { type: keep, audio: readAudioText, transcript: nullable(readString) },
    required: [],
  },
};

const CONTENT_TYPES_BY_ROLE = {
  system: ["input_text"],
  user: ["input_text", "input_audio", "input_image"],
  assistant: ["output_text", "output_audio"],
} as const;

function readContent(role: keyof typeof CONTENT_TYPES_BY_ROLE): Reader<unknown> {
  return (value, path) => {
    const part = readObject(value, path);
    const type = readDiscriminator(part, path, CONTENT_TYPES_BY_ROLE[role]);
    const { readers, required } = CONTENT_FIELDS[type];
    return readFields(part, path, readers, required);
  };
}

const ITEM_TYPES = [
  "message",
  "function_call",
  "function_call_output",
  "mcp_approval_response",
] as const;

/** Reads an item of `conversation.item.create` or `response.create` `input[]`. */
function readItemParam(value: unknown, path: string): ItemParam {
  const item = readObject(value, path);
  const type = readDiscriminator(item, path, ITEM_TYPES);
  switch (type) {
    case "message": {
      const roleAt = childPath(path, "role");
      if (!Object.hasOwn(item, "role")) throw missingParameter(roleAt);
      const role = readEnum(["system", "user", "assistant"] as const)(item.role, roleAt);
      return readFields(item, path, {
        ...ITEM_COMMON,
        role: keep,
        content: readArray(readContent(role)),
      }, ["content"]);
    }
    case "function_call":
      return readFields(item, path, {
        ...ITEM_COMMON,
        name: readString,
        arguments: readString,
        call_id: readString,
      }, ["name", "arguments"]);
    case "function_call_output":
      return readFields(item, path, {
        ...ITEM_COMMON,
        call_id: readString,
        output: readString,
      }, ["call_id", "output"]);
    case "mcp_approval_response":
      return readFields(item, path, {
        type: keep,
        id: readString,
        approval_request_id: readString,
        approve: readBoolean,
        reason: nullable(readString),
      }, ["approval_request_id", "approve"]);
    default: {
      const unhandled: never = type;
      throw new TypeError(`Cannot read item: no reader for '${unhandled}'`);
    }
  }
}

function readInputEntry(value: unknown, path: string): ItemParam | ItemReference {
  const entry = readObject(value, path);
  const type = readDiscriminator(entry, path, [...ITEM_TYPES, "item_reference"]);
  return type === "item_reference"
    ? readFields(entry, path, { type: keep, id: readString }, ["id"])
    : readItemParam(entry, path);
}

/** Metadata: at most 16 pairs, keys up to 64 characters, values strings up to 512. */
const MAX_METADATA_PAIRS = 16;
const MAX_METADATA_KEY_LENGTH = 64;
const readMetadataValue = readStringMax(512);

function readMetadata(value: unknown, path: string): Record<string, string> {
  const metadata = readObject(value, path);
  const keys = Object.keys(metadata);
  if (keys.length > MAX_METADATA_PAIRS) {
    // Modelled on the Responses API wording.
    throw new InvalidRequestError(
      "object_above_max_properties",
      `Invalid '${path}': too many properties. Expected an object with at most ` +
        `${MAX_METADATA_PAIRS} properties, but got an object with ${keys.length} properties instead.`,
      path,
    );
  }
  const out: Record<string, string> = {};
  for (const key of keys) {
    if (key.length > MAX_METADATA_KEY_LENGTH) {
      // Modelled.
      throw new InvalidRequestError(
        "string_above_max_length",
        `Invalid '${path}': key too long. Expected a key with maximum length ` +
          `${MAX_METADATA_KEY_LENGTH}, but got a key with length ${key.length} instead.`,
        path,
      );
    }
    out[key] = readMetadataValue(metadata[key], childPath(path, key));
  }
  return out;
}

function readResponseParams(value: unknown, path: string): ResponseCreateParams {
  return readFields(value, path, {
    output_modalities: readOutputModalities,
    instructions: readString,
    audio: (audio, at) =>
      readFields(audio, at, {
        output: (output, outputAt) =>
          readFields(output, outputAt, { format: readAudioFormat, voice: readVoice }),
      }),
    tools: readTools,
    tool_choice: readToolChoice,
    metadata: nullable(readMetadata),
    prompt: nullable(readPrompt),
    max_output_tokens: readMaxOutputTokens,
    conversation: readEnum(["auto", "none"] as const),
    input: readArray(readInputEntry),
  });
}

// The fields of each client event; `type` is checked before these are used.
const BASE_FIELDS: Readers = { type: keep, event_id: readString };
const SESSION_UPDATE_FIELDS: Readers = { ...BASE_FIELDS, session: readSessionUpdate };
const ITEM_CREATE_FIELDS: Readers = {
  ...BASE_FIELDS,
  previous_item_id: readString,
  item: readItemParam,
};
const TRUNCATE_FIELDS: Readers = {
  ...BASE_FIELDS,
  item_id: readString,
  content_index: readInteger(0),
  audio_end_ms: readInteger(0),
};
const ITEM_ID_FIELDS: Readers = { ...BASE_FIELDS, item_id: readString };
const RESPONSE_CREATE_FIELDS: Readers = { ...BASE_FIELDS, response: readResponseParams };
const RESPONSE_CANCEL_FIELDS: Readers = { ...BASE_FIELDS, response_id: readString };
