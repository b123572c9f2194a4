// This module is browser compatible.
/**
 * The `error` event in the GA envelope (docs/protocol.md §7.1). Errors do not end a session
 * (§7.2): whoever builds one sends it and goes on.
 *
 * @module
 */

import { newId } from "../ids.ts";
import type { ErrorEvent } from "./server_events.ts";

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
