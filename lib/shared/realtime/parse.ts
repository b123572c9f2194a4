// This module is browser compatible.
/**
 * The one validator the relay and the embedded emulator run client frames through, and the
 * light reader of server frames the browser uses.
 *
 * `parseClientEvent` never throws: every rejection is an `error` event in the GA envelope
 * with the GA `code`, `param` and message (docs/protocol.md §7), `error.event_id` echoing the
 * client's `event_id`.
 *
 * @module
 */

import type { ClientEvent } from "./client_events.ts";
import { errorEvent } from "./error_event.ts";
import { readClientEvent, type ReadClientEventOptions } from "./event_readers.ts";
import { describeJsonType, InvalidRequestError, isObject } from "./readers.ts";
import type { ErrorEvent, ServerEvent } from "./server_events.ts";

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

/** Options of {@linkcode parseClientEvent}: how an append's audio is read. */
export type ParseOptions = ReadClientEventOptions;

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
    const read = readClientEvent(raw, options);
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
