// This module is browser compatible.
/**
 * The OpenAI Realtime GA events (PROTOCOL.md §3–§4) as discriminated unions on `type`, and
 * the one validator both the relay and the embedded emulator run client events through.
 *
 * `parseClientEvent` never throws: every rejection is an `error` event in the GA envelope
 * with the GA `code`, `param` and message (PROTOCOL.md §7), `error.event_id` echoing the
 * client's `event_id`. The session config part lives in `session_config.ts` and is
 * re-exported here.
 *
 * @module
 */

import { base64ByteLength, decodeBase64 } from "./base64.ts";
import { newId } from "./ids.ts";
import {
  type AudioFormat,
  type AudioFormatUpdate,
  childPath,
  describeJsonType,
  InvalidRequestError,
  invalidValue,
  isObject,
  keep,
  type MaxOutputTokens,
  missingParameter,
  nullable,
  type OutputModalities,
  type Prompt,
  readArray,
  readAudioFormat,
  readBoolean,
  readDiscriminator,
  readEnum,
  type Reader,
  type Readers,
  readFields,
  readInteger,
  readMaxOutputTokens,
  readObject,
  readOutputModalities,
  readPrompt,
  readSessionUpdate,
  readString,
  readStringMax,
  readToolChoice,
  readTools,
  readVoice,
  type Session,
  type SessionUpdate,
  type Tool,
  type ToolChoice,
  unknownParameter,
  type Voice,
} from "./session_config.ts";

export {
  type AudioFormat,
  type AudioFormatUpdate,
  type AudioInput,
  type AudioInputUpdate,
  type AudioOutput,
  type AudioOutputUpdate,
  DEFAULT_INSTRUCTIONS,
  defaultServerVad,
  defaultSession,
  type DefaultSessionOptions,
  defaultTranscriptionSession,
  type Eagerness,
  type FunctionTool,
  type Include,
  type MaxOutputTokens,
  type McpTool,
  mergeSessionUpdate,
  type NoiseReduction,
  type OutputModalities,
  type OutputModality,
  type Prompt,
  type RealtimeSession,
  type RealtimeSessionUpdate,
  type RequestProblem,
  resolveFormat,
  resolveTurnDetection,
  type SemanticVad,
  type ServerVad,
  type Session,
  SESSION_LIFETIME_SECONDS,
  type SessionUpdate,
  type SessionUpdateOptions,
  type SessionUpdateResult,
  type Tool,
  type ToolChoice,
  type Tracing,
  type Transcription,
  type TranscriptionSession,
  type TranscriptionSessionUpdate,
  type Truncation,
  type TurnDetection,
  type TurnDetectionUpdate,
  validateSessionUpdate,
  type Voice,
  VOICES,
} from "./session_config.ts";

// ---------------------------------------------------------------------------------------------
// Items and content

export type ItemStatus = "completed" | "incomplete" | "in_progress";

export interface InputTextContent {
  type: "input_text";
  text: string;
}
export interface InputAudioContent {
  type: "input_audio";
  /** Base64; present only in `conversation.item.retrieved` and client-created items. */
  audio?: string;
  transcript: string | null;
}
export interface InputImageContent {
  type: "input_image";
  /** A `data:image/png;base64,…` or JPEG data URI. */
  image_url: string;
  detail?: "auto" | "low" | "high";
}
export interface OutputTextContent {
  type: "output_text";
  text: string;
}
export interface OutputAudioContent {
  type: "output_audio";
  /** Base64; present only in `conversation.item.retrieved`. */
  audio?: string;
  transcript: string | null;
}
export type UserContent = InputTextContent | InputAudioContent | InputImageContent;
export type AssistantContent = OutputTextContent | OutputAudioContent;

interface ItemBase {
  id: string;
  object: "realtime.item";
  status: ItemStatus;
}
export interface SystemMessageItem extends ItemBase {
  type: "message";
  role: "system";
  content: InputTextContent[];
}
export interface UserMessageItem extends ItemBase {
  type: "message";
  role: "user";
  content: UserContent[];
}
export interface AssistantMessageItem extends ItemBase {
  type: "message";
  role: "assistant";
  content: AssistantContent[];
}
export interface FunctionCallItem extends ItemBase {
  type: "function_call";
  call_id: string;
  name: string;
  /** JSON text. */
  arguments: string;
}
export interface FunctionCallOutputItem extends ItemBase {
  type: "function_call_output";
  call_id: string;
  output: string;
}
export type MessageItem = SystemMessageItem | UserMessageItem | AssistantMessageItem;
/** A conversation item as the server reports it (GA items carry `object: "realtime.item"`). */
export type Item = MessageItem | FunctionCallItem | FunctionCallOutputItem;

/** Content of an item a client creates (`transcript` may be left out). */
export type InputAudioContentParam = Omit<InputAudioContent, "transcript"> & {
  transcript?: string | null;
};
export type OutputAudioContentParam = Omit<OutputAudioContent, "transcript"> & {
  transcript?: string | null;
};

interface ItemParamBase {
  id?: string;
  object?: "realtime.item";
  status?: ItemStatus;
}
/** An item in `conversation.item.create` or `response.create` `input[]`. */
export type ItemParam =
  | (ItemParamBase & { type: "message"; role: "system"; content: InputTextContent[] })
  | (ItemParamBase & {
    type: "message";
    role: "user";
    content: (InputTextContent | InputAudioContentParam | InputImageContent)[];
  })
  | (ItemParamBase & {
    type: "message";
    role: "assistant";
    content: (OutputTextContent | OutputAudioContentParam)[];
  })
  | (ItemParamBase & { type: "function_call"; name: string; arguments: string; call_id?: string })
  | (ItemParamBase & { type: "function_call_output"; call_id: string; output: string })
  | {
    type: "mcp_approval_response";
    id?: string;
    approval_request_id: string;
    approve: boolean;
    reason?: string | null;
  };

/** Points `response.create` `input[]` at an item already in the conversation. */
export interface ItemReference {
  type: "item_reference";
  id: string;
}

/** A content part in `response.content_part.*`: "audio"/"text", not the item's `output_*`. */
export type ContentPart =
  | { type: "audio"; transcript: string; audio?: string }
  | { type: "text"; text: string };

// ---------------------------------------------------------------------------------------------
// Responses

export type ResponseStatus = "in_progress" | "completed" | "cancelled" | "failed" | "incomplete";

export interface ResponseStatusDetails {
  type: "completed" | "cancelled" | "incomplete" | "failed";
  reason?: "turn_detected" | "client_cancelled" | "max_output_tokens" | "content_filter";
  error?: { type: string; code?: string | null };
}

export interface ResponseUsage {
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  input_token_details: {
    text_tokens: number;
    audio_tokens: number;
    image_tokens: number;
    cached_tokens: number;
    cached_tokens_details: { text_tokens: number; audio_tokens: number; image_tokens: number };
  };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

/** The response object of `response.created` / `response.done`. */
export interface RealtimeResponse {
  object: "realtime.response";
  id: string;
  status: ResponseStatus;
  status_details: ResponseStatusDetails | null;
  output: Item[];
  /** null for out-of-band (`conversation: "none"`) responses. */
  conversation_id: string | null;
  output_modalities: OutputModalities;
  max_output_tokens: MaxOutputTokens;
  audio: { output: { format: AudioFormat; voice: Voice } };
  usage: ResponseUsage | null;
  metadata: Record<string, string> | null;
}

/** The optional `response` of `response.create`: overrides for this response only. */
export interface ResponseCreateParams {
  output_modalities?: OutputModalities;
  instructions?: string;
  audio?: { output?: { format?: AudioFormatUpdate; voice?: Voice } };
  tools?: Tool[];
  tool_choice?: ToolChoice;
  /** At most 16 pairs; keys up to 64 characters, values up to 512. */
  metadata?: Record<string, string> | null;
  prompt?: Prompt | null;
  max_output_tokens?: MaxOutputTokens;
  /** "none" makes an out-of-band response that writes nothing to the conversation. */
  conversation?: "auto" | "none";
  input?: (ItemParam | ItemReference)[];
}

// ---------------------------------------------------------------------------------------------
// Client events

interface ClientEventBase {
  /** Chosen by the client; echoed only in `error.event_id`. */
  event_id?: string;
}
export interface SessionUpdateEvent extends ClientEventBase {
  type: "session.update";
  session: SessionUpdate;
}
export interface SessionCloseEvent extends ClientEventBase {
  type: "session.close";
}
export interface InputAudioBufferAppendEvent extends ClientEventBase {
  type: "input_audio_buffer.append";
  /** Base64 audio in the session's input format. */
  audio: string;
}
/** An alias of `input_audio_buffer.append` that live GA lists among accepted types. */
export interface SessionInputAudioBufferAppendEvent extends ClientEventBase {
  type: "session.input_audio_buffer.append";
  audio: string;
}
export interface InputAudioBufferCommitEvent extends ClientEventBase {
  type: "input_audio_buffer.commit";
}
export interface InputAudioBufferClearEvent extends ClientEventBase {
  type: "input_audio_buffer.clear";
}
export interface ConversationItemCreateEvent extends ClientEventBase {
  type: "conversation.item.create";
  /** Insert after this item ("root" = at the start); default: at the end. */
  previous_item_id?: string;
  item: ItemParam;
}
export interface ConversationItemRetrieveEvent extends ClientEventBase {
  type: "conversation.item.retrieve";
  item_id: string;
}
export interface ConversationItemTruncateEvent extends ClientEventBase {
  type: "conversation.item.truncate";
  /** An assistant item. */
  item_id: string;
  content_index: number;
  /** Milliseconds of the item's audio the user heard. */
  audio_end_ms: number;
}
export interface ConversationItemDeleteEvent extends ClientEventBase {
  type: "conversation.item.delete";
  item_id: string;
}
export interface ResponseCreateEvent extends ClientEventBase {
  type: "response.create";
  response?: ResponseCreateParams;
}
export interface ResponseCancelEvent extends ClientEventBase {
  type: "response.cancel";
  response_id?: string;
}

export type ClientEvent =
  | SessionUpdateEvent
  | SessionCloseEvent
  | InputAudioBufferAppendEvent
  | SessionInputAudioBufferAppendEvent
  | InputAudioBufferCommitEvent
  | InputAudioBufferClearEvent
  | ConversationItemCreateEvent
  | ConversationItemTruncateEvent
  | ConversationItemDeleteEvent
  | ConversationItemRetrieveEvent
  | ResponseCreateEvent
  | ResponseCancelEvent;

/** Client event types in the order GA lists them in its "Supported values" message. */
export const CLIENT_EVENT_TYPES = [
  "session.update",
  "session.close",
  "input_audio_buffer.append",
  "session.input_audio_buffer.append",
  "input_audio_buffer.commit",
  "input_audio_buffer.clear",
  "conversation.item.create",
  "conversation.item.truncate",
  "conversation.item.delete",
  "conversation.item.retrieve",
  "response.create",
  "response.cancel",
] as const satisfies readonly ClientEvent["type"][];

export type ClientEventType = typeof CLIENT_EVENT_TYPES[number];

// ---------------------------------------------------------------------------------------------
// Server events

interface ServerEventBase {
  /** Minted by the server: `event_` + 21 base62 characters. */
  event_id: string;
}
export interface SessionCreatedEvent extends ServerEventBase {
  type: "session.created";
  session: Session;
}
/** The full effective session; never carries the client's `event_id`. */
export interface SessionUpdatedEvent extends ServerEventBase {
  type: "session.updated";
  session: Session;
}
export interface InputAudioBufferSpeechStartedEvent extends ServerEventBase {
  type: "input_audio_buffer.speech_started";
  /** Ms of audio appended since the session began, prefix padding already subtracted. */
  audio_start_ms: number;
  item_id: string;
}
export interface InputAudioBufferSpeechStoppedEvent extends ServerEventBase {
  type: "input_audio_buffer.speech_stopped";
  audio_end_ms: number;
  item_id: string;
}
export interface InputAudioBufferCommittedEvent extends ServerEventBase {
  type: "input_audio_buffer.committed";
  previous_item_id: string | null;
  item_id: string;
}
export interface InputAudioBufferClearedEvent extends ServerEventBase {
  type: "input_audio_buffer.cleared";
}
export interface InputAudioBufferTimeoutTriggeredEvent extends ServerEventBase {
  type: "input_audio_buffer.timeout_triggered";
  audio_start_ms: number;
  audio_end_ms: number;
  item_id: string;
}
export interface ConversationItemAddedEvent extends ServerEventBase {
  type: "conversation.item.added";
  previous_item_id: string | null;
  item: Item;
}
export interface ConversationItemDoneEvent extends ServerEventBase {
  type: "conversation.item.done";
  previous_item_id: string | null;
  item: Item;
}
/** The only item event that carries audio bytes. */
export interface ConversationItemRetrievedEvent extends ServerEventBase {
  type: "conversation.item.retrieved";
  item: Item;
}
export interface ConversationItemTruncatedEvent extends ServerEventBase {
  type: "conversation.item.truncated";
  item_id: string;
  content_index: number;
  audio_end_ms: number;
}
export interface ConversationItemDeletedEvent extends ServerEventBase {
  type: "conversation.item.deleted";
  item_id: string;
}

export interface LogProb {
  token: string;
  logprob: number;
  bytes: number[];
}
export type TranscriptionUsage =
  | {
    type: "tokens";
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    input_token_details?: { text_tokens: number; audio_tokens: number };
  }
  | { type: "duration"; seconds: number };

export interface InputAudioTranscriptionDeltaEvent extends ServerEventBase {
  type: "conversation.item.input_audio_transcription.delta";
  item_id: string;
  content_index: number;
  delta: string;
  logprobs?: LogProb[] | null;
  obfuscation?: string;
}
export interface InputAudioTranscriptionCompletedEvent extends ServerEventBase {
  type: "conversation.item.input_audio_transcription.completed";
  item_id: string;
  content_index: number;
  transcript: string;
  usage: TranscriptionUsage;
  logprobs?: LogProb[] | null;
}
export interface InputAudioTranscriptionFailedEvent extends ServerEventBase {
  type: "conversation.item.input_audio_transcription.failed";
  item_id: string;
  content_index: number;
  error: { type: string; code: string | null; message: string; param: string | null };
}

export interface ResponseCreatedEvent extends ServerEventBase {
  type: "response.created";
  response: RealtimeResponse;
}
/** Always sent, whatever the outcome; `output` items carry no audio. */
export interface ResponseDoneEvent extends ServerEventBase {
  type: "response.done";
  response: RealtimeResponse;
}
export interface ResponseOutputItemAddedEvent extends ServerEventBase {
  type: "response.output_item.added";
  response_id: string;
  output_index: number;
  item: Item;
}
export interface ResponseOutputItemDoneEvent extends ServerEventBase {
  type: "response.output_item.done";
  response_id: string;
  output_index: number;
  item: Item;
}

interface ContentEventBase extends ServerEventBase {
  response_id: string;
  item_id: string;
  output_index: number;
  content_index: number;
}
export interface ResponseContentPartAddedEvent extends ContentEventBase {
  type: "response.content_part.added";
  part: ContentPart;
}
export interface ResponseContentPartDoneEvent extends ContentEventBase {
  type: "response.content_part.done";
  part: ContentPart;
}
export interface ResponseOutputAudioDeltaEvent extends ContentEventBase {
  type: "response.output_audio.delta";
  /** Base64 audio in the session's output format. */
  delta: string;
}
export interface ResponseOutputAudioDoneEvent extends ContentEventBase {
  type: "response.output_audio.done";
}
export interface ResponseOutputAudioTranscriptDeltaEvent extends ContentEventBase {
  type: "response.output_audio_transcript.delta";
  delta: string;
  /** Padding GA adds to text deltas. */
  obfuscation?: string;
}
export interface ResponseOutputAudioTranscriptDoneEvent extends ContentEventBase {
  type: "response.output_audio_transcript.done";
  transcript: string;
}
export interface ResponseOutputTextDeltaEvent extends ContentEventBase {
  type: "response.output_text.delta";
  delta: string;
  obfuscation?: string;
}
export interface ResponseOutputTextDoneEvent extends ContentEventBase {
  type: "response.output_text.done";
  text: string;
}
export interface ResponseFunctionCallArgumentsDeltaEvent extends ServerEventBase {
  type: "response.function_call_arguments.delta";
  response_id: string;
  item_id: string;
  output_index: number;
  call_id: string;
  delta: string;
  obfuscation?: string;
}
export interface ResponseFunctionCallArgumentsDoneEvent extends ServerEventBase {
  type: "response.function_call_arguments.done";
  response_id: string;
  item_id: string;
  output_index: number;
  call_id: string;
  name?: string;
  arguments: string;
}

export interface RateLimit {
  name: "requests" | "tokens";
  limit: number;
  remaining: number;
  /** May be fractional (2.265). */
  reset_seconds: number;
}
/** Sent about 40 ms after `response.done`. */
export interface RateLimitsUpdatedEvent extends ServerEventBase {
  type: "rate_limits.updated";
  rate_limits: RateLimit[];
}

/** The `error` of an error event. */
export interface RealtimeError {
  /** Usually "invalid_request_error"; "server_error" is also documented. */
  type: string;
  code: string | null;
  message: string;
  param: string | null;
  /** The offending client event's `event_id`, when it had one. */
  event_id: string | null;
}
/** Errors are not fatal: the session goes on. */
export interface ErrorEvent extends ServerEventBase {
  type: "error";
  error: RealtimeError;
}

export type ServerEvent =
  | SessionCreatedEvent
  | SessionUpdatedEvent
  | InputAudioBufferSpeechStartedEvent
  | InputAudioBufferSpeechStoppedEvent
  | InputAudioBufferCommittedEvent
  | InputAudioBufferClearedEvent
  | InputAudioBufferTimeoutTriggeredEvent
  | ConversationItemAddedEvent
  | ConversationItemDoneEvent
  | ConversationItemRetrievedEvent
  | ConversationItemTruncatedEvent
  | ConversationItemDeletedEvent
  | InputAudioTranscriptionDeltaEvent
  | InputAudioTranscriptionCompletedEvent
  | InputAudioTranscriptionFailedEvent
  | ResponseCreatedEvent
  | ResponseDoneEvent
  | ResponseOutputItemAddedEvent
  | ResponseOutputItemDoneEvent
  | ResponseContentPartAddedEvent
  | ResponseContentPartDoneEvent
  | ResponseOutputAudioDeltaEvent
  | ResponseOutputAudioDoneEvent
  | ResponseOutputAudioTranscriptDeltaEvent
  | ResponseOutputAudioTranscriptDoneEvent
  | ResponseOutputTextDeltaEvent
  | ResponseOutputTextDoneEvent
  | ResponseFunctionCallArgumentsDeltaEvent
  | ResponseFunctionCallArgumentsDoneEvent
  | RateLimitsUpdatedEvent
  | ErrorEvent;

export type ServerEventType = ServerEvent["type"];

// ---------------------------------------------------------------------------------------------
// Errors

/** Options of {@linkcode errorEvent}. */
export interface ErrorEventOptions {
  /**
   * The request field at fault, as a dotted path.
   * @default {null}
   */
  param?: string | null;
  /**
   * The `event_id` of the client event at fault.
   * @default {null}
   */
  eventId?: string | null;
  /**
   * The error class.
   * @default {"invalid_request_error"}
   */
  type?: string;
}

/** Builds an `error` event in the GA envelope with a fresh `event_…` id. */
export function errorEvent(
  code: string | null,
  message: string,
  options: ErrorEventOptions = {},
): ErrorEvent {
  return {
    type: "error",
    event_id: newId("event"),
    error: {
      type: options.type ?? "invalid_request_error",
      code,
      message,
      param: options.param ?? null,
      event_id: options.eventId ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parsing

export type ParseResult =
  | {
    ok: true;
    event: ClientEvent;
    /**
     * The decoded audio of an `input_audio_buffer.append` (or its `session.` alias), so
     * nobody decodes it twice; null for every other event.
     */
    audioBytes: Uint8Array | null;
  }
  | { ok: false; error: ErrorEvent };

export const BINARY_FRAME_MESSAGE =
  "Expected a text WebSocket message; binary frames are not supported.";
const INVALID_JSON_MESSAGE = "Invalid event: failed to parse JSON value.";
/** The parser's own reason after the GA sentence is cut to this length. */
const MAX_JSON_REASON_LENGTH = 200;

export interface ParseOptions {
  /**
   * Whether to decode an append's audio into `audioBytes` (default true). With false the
   * audio is checked just as strictly (valid base64, whole PCM16 samples, not empty) but not
   * decoded, and `audioBytes` is null: for a relay that forwards the text as it came and
   * needs the bytes only when it records them.
   */
  decodeAudio?: boolean;
  /**
   * Bytes per sample of the session's input audio (default 2, PCM16): appends must hold whole
   * samples. A G.711 session (`audio/pcmu`, `audio/pcma`) has 1, so any non-empty length is
   * whole there.
   */
  bytesPerSample?: 1 | 2;
}

/**
 * Parses and validates one client frame. Never throws, whatever `data` holds.
 *
 * Binary frames are refused (`invalid_event`); the relay wraps even-length binary audio
 * into an append itself before calling this.
 */
export function parseClientEvent(
  data: string | Uint8Array | ArrayBuffer,
  options: ParseOptions = {},
): ParseResult {
  if (typeof data !== "string") {
    return { ok: false, error: errorEvent("invalid_event", BINARY_FRAME_MESSAGE) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const tail = reason.length > MAX_JSON_REASON_LENGTH
      ? `${reason.slice(0, MAX_JSON_REASON_LENGTH)}…`
      : reason;
    return { ok: false, error: errorEvent("invalid_json", `${INVALID_JSON_MESSAGE} ${tail}`) };
  }
  if (!isObject(raw)) {
    return {
      ok: false,
      error: errorEvent(
        "invalid_event",
        `Invalid event: expected a JSON object, but got ${describeJsonType(raw)} instead.`,
      ),
    };
  }
  const eventId = typeof raw.event_id === "string" ? raw.event_id : null;
  try {
    const read = readClientEvent(raw, options.decodeAudio ?? true, options.bytesPerSample ?? 2);
    return { ok: true, ...read };
  } catch (error) {
    if (error instanceof InvalidRequestError) {
      return {
        ok: false,
        error: errorEvent(error.code, error.message, { param: error.param, eventId }),
      };
    }
    // A bug here must not take the session down: report it the way GA reports its own.
    return {
      ok: false,
      error: errorEvent(
        null,
        "The server had an error while processing your request. Sorry about that!",
        { eventId, type: "server_error" },
      ),
    };
  }
}

function readClientEvent(
  raw: Record<string, unknown>,
  decodeAudio: boolean,
  bytesPerSample: 1 | 2,
): { event: ClientEvent; audioBytes: Uint8Array | null } {
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
      return readAppend(raw, decodeAudio, bytesPerSample);
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
 * Parses a server frame for the browser and tests: JSON plus a string `type`, nothing more
 * (the server is trusted, and event types this module does not list pass through).
 *
 * @throws {SyntaxError} when `text` is not JSON or not an object with a string `type`
 */
export function parseServerEvent(text: string): ServerEvent {
  const value: unknown = JSON.parse(text);
  if (!isObject(value)) {
    throw new SyntaxError(
      `Cannot parse server event: expected a JSON object, got ${describeJsonType(value)}`,
    );
  }
  if (typeof value.type !== "string") {
    throw new SyntaxError("Cannot parse server event: the 'type' field is missing or not a string");
  }
  return value as unknown as ServerEvent;
}

// ---------------------------------------------------------------------------------------------
// Readers for client event fields

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
): { event: ClientEvent; audioBytes: Uint8Array | null } {
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
  readAppendAudio(value, path, false, 2);
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
