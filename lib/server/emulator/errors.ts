/**
 * The emulator's error catalogue: every `error` the emulated Realtime service sends that the
 * shared parser (`lib/shared/realtime/parse.ts`) does not already produce, as a function returning
 * the GA `code`, `param` and message (docs/protocol.md §1.4, §6, §7).
 *
 * Messages quoted in docs/protocol.md (§1.4, §6, §7.3) are reproduced exactly (GA's own
 * sentences end with a period). The others are marked "Modelled" (§7.5): they follow GA's
 * wording where third-party clients quote it, and are otherwise written for this emulator and
 * unconfirmed.
 *
 * @module
 */

import type { RequestProblem } from "../../shared/realtime/mod.ts";

/** A problem that also ends the connection (handshake failures, after the 101). */
export interface FatalProblem extends RequestProblem {
  /** WebSocket close code: 3000 for authentication, 4000 for a bad request. */
  closeCode: number;
  /** Close reason: `"<error.type>.<error.code>"`, or the type alone when the code is null. */
  closeReason: string;
}

/** `error.type` of every problem in this catalogue. */
export const INVALID_REQUEST_ERROR = "invalid_request_error";

function fatal(code: string | null, message: string, closeCode: number): FatalProblem {
  return {
    code,
    message,
    param: null,
    closeCode,
    closeReason: code === null ? INVALID_REQUEST_ERROR : `${INVALID_REQUEST_ERROR}.${code}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Handshake (docs/protocol.md §1.4): one error frame after the 101, then a close

/** `OpenAI-Beta` header or the `openai-beta.realtime-v1` subprotocol. */
export function betaApiShapeDisabled(): FatalProblem {
  return fatal(
    "beta_api_shape_disabled",
    "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
    4000,
  );
}

/** Neither `Authorization` nor an `openai-insecure-api-key.<key>` subprotocol. */
export function missingAuthentication(): FatalProblem {
  return fatal(null, "Missing bearer or basic authentication in header", 3000);
}

/** No `model` query parameter (and no `intent`). */
export function missingModel(): FatalProblem {
  return fatal(
    "missing_model",
    "You must provide a model parameter, for example wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5",
    4000,
  );
}

/**
 * `intent=transcription` or `call_id=…`, which this emulator does not serve. Modelled: the
 * code is GA's `invalid_value`; the message is the emulator's own.
 */
export function unsupportedConnection(
  parameter: "intent" | "call_id",
  value: string,
): FatalProblem {
  const what = parameter === "intent"
    ? `transcription sessions (intent=${value})`
    : `attaching to a call (call_id=${value})`;
  return {
    ...fatal("invalid_value", "", 4000),
    message: `The local Realtime emulator does not support ${what}. ` +
      "Connect with ?model=gpt-realtime for a speech-to-speech session.",
    param: parameter,
  };
}

// ---------------------------------------------------------------------------------------------
// Session lifetime (docs/protocol.md §6)

/** Close code of an expired session. */
export const SESSION_EXPIRED_CLOSE_CODE = 1001;

/**
 * The close reason of an expired session: "Your session hit the maximum duration of 60
 * minutes." Lifetimes that are not whole minutes (tests) are given in seconds.
 */
export function sessionExpiredReason(sessionSeconds: number): string {
  const minutes = sessionSeconds / 60;
  const duration = Number.isInteger(minutes)
    ? `${minutes} ${minutes === 1 ? "minute" : "minutes"}`
    : `${sessionSeconds} ${sessionSeconds === 1 ? "second" : "seconds"}`;
  return `Your session hit the maximum duration of ${duration}.`;
}

// ---------------------------------------------------------------------------------------------
// Input audio buffer

/** A commit with less than 100 ms of audio since the last commit. */
export function commitEmpty(bufferMs: number): RequestProblem {
  return {
    code: "input_audio_buffer_commit_empty",
    message: "Error committing input audio buffer: buffer too small. Expected at least 100ms " +
      `of audio, but buffer only has ${bufferMs.toFixed(2)}ms of audio.`,
    param: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Responses

/** `response.create` while another response is in progress. */
export function activeResponse(responseId: string): RequestProblem {
  return {
    code: "conversation_already_has_active_response",
    message: `Conversation already has an active response in progress: ${responseId}. ` +
      "Wait until the response is finished before creating a new one.",
    param: null,
  };
}

/** `response.cancel` with nothing to cancel (or naming a response that is not active). */
export function cancelNotActive(): RequestProblem {
  return {
    code: "response_cancel_not_active",
    message: "Cancellation failed: no active response found",
    param: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Conversation items

/**
 * An item id that is not in the conversation. The codes (`item_truncate_invalid_item_id`,
 * `item_delete_invalid_item_id`, `item_retrieve_invalid_item_id`) are the ones real clients
 * match on; the delete message is quoted by client tests, the others are modelled on it.
 */
export function itemNotFound(
  action: "truncate" | "delete" | "retrieve",
  itemId: string,
): RequestProblem {
  const verb = { truncate: "truncating", delete: "deleting", retrieve: "retrieving" }[action];
  return {
    code: `item_${action}_invalid_item_id`,
    message: `Error ${verb} item: the item with id '${itemId}' does not exist.`,
    param: null,
  };
}

/** Truncating past the end of the item's audio (code null, as seen 2024–2026). */
export function audioAlreadyShorter(audioMs: number, audioEndMs: number): RequestProblem {
  return {
    code: null,
    message: `Audio content of ${Math.floor(audioMs)}ms is already shorter than ${audioEndMs}ms`,
    param: null,
  };
}

/** Modelled: truncating an item that is not an assistant message with audio. */
export function notTruncatable(itemId: string): RequestProblem {
  return {
    code: "invalid_value",
    message: `Invalid 'item_id': item '${itemId}' is not an assistant message with audio ` +
      "content. Only assistant audio can be truncated.",
    param: "item_id",
  };
}

/** Modelled: a `content_index` the item does not have. */
export function invalidContentIndex(itemId: string, contentIndex: number): RequestProblem {
  return {
    code: "invalid_value",
    message: `Invalid 'content_index': item '${itemId}' has no content part at index ` +
      `${contentIndex}.`,
    param: "content_index",
  };
}

/** Modelled: truncating or deleting the item a response is still writing. */
export function itemInProgress(itemId: string, responseId: string): RequestProblem {
  return {
    code: "invalid_value",
    message: `Item '${itemId}' is still being written by response ${responseId}. ` +
      "Cancel the response or wait until it is done.",
    param: "item_id",
  };
}

/** Modelled: `conversation.item.create` with an id already in the conversation. */
export function duplicateItemId(itemId: string): RequestProblem {
  return {
    code: "invalid_value",
    message: `Invalid 'item.id': an item with id '${itemId}' already exists in the conversation.`,
    param: "item.id",
  };
}

/** Modelled: `previous_item_id` (or an `item_reference`) naming no item. */
export function unknownPreviousItem(param: string, itemId: string): RequestProblem {
  return {
    code: "invalid_value",
    message: `Invalid '${param}': no item with id '${itemId}' exists in the conversation.`,
    param,
  };
}

/** Modelled: item kinds the emulator cannot hold (MCP). */
export function unsupportedItem(type: string): RequestProblem {
  return {
    code: "invalid_value",
    message: `The local Realtime emulator does not support '${type}' items.`,
    param: "item.type",
  };
}

// ---------------------------------------------------------------------------------------------
// Things the emulator cannot do

/**
 * The `error` of `conversation.item.input_audio_transcription.failed`: the emulator never
 * invents a transcript of what the user said.
 */
export function transcriptionUnavailable(): { type: string } & RequestProblem {
  return {
    type: "transcription_error",
    code: "transcription_unavailable",
    message: "Input audio transcription is unavailable in the local Realtime emulator. " +
      "Connect to the OpenAI service for transcripts.",
    param: null,
  };
}

/**
 * An event larger than the public emulator accepts (`MAX_EVENT_BYTES`). Modelled: GA's own
 * limit and text are unconfirmed; the code is the relay's, so that one mistake reads the same
 * through the relay and straight to the emulator.
 */
export function eventTooLarge(size: number, maxBytes: number): RequestProblem {
  return {
    code: "relay_event_too_large",
    message:
      `Cannot accept an event of ${size} bytes: this server accepts at most ${maxBytes}. Send audio in smaller appends.`,
    param: null,
  };
}

/**
 * `server_error` for a frame that arrives while too much already waits for the detector to
 * load. Modelled: the emulator's own words.
 */
export function sessionStarting(waitingBytes: number): RequestProblem {
  return {
    code: null,
    message:
      `Cannot accept the event yet: the session is still starting and ${waitingBytes} bytes already wait for it. Send it again in a moment.`,
    param: null,
  };
}

/** `server_error` sent once when the voice activity detector cannot start. */
export function vadUnavailable(): RequestProblem {
  return {
    code: null,
    message: "Voice activity detection is unavailable in the local Realtime emulator. " +
      "Set turn_detection to null and commit the input audio buffer yourself.",
    param: null,
  };
}
