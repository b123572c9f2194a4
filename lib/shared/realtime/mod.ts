// This module is browser compatible.
/**
 * The OpenAI Realtime GA protocol as this project speaks it (docs/protocol.md): the client and
 * server events as discriminated unions on `type`, the session configuration with its
 * defaults and update rules, and `parseClientEvent`, the one validator both the relay and the
 * embedded emulator run client frames through.
 *
 * A browser module that needs only types imports them here (type imports are erased); one
 * that needs a value without the parser imports its own module (`session.ts` for `VOICES`).
 *
 * ```ts
 * import { parseClientEvent } from "@/lib/shared/realtime/mod.ts";
 *
 * const result = parseClientEvent('{"type":"input_audio_buffer.commit","bogus":1}');
 * // result.ok is false; result.error is the GA `error` event to send back, code "unknown_parameter"
 * ```
 *
 * @module
 */

export * from "./items.ts";
export * from "./responses.ts";
export * from "./client_events.ts";
export * from "./server_events.ts";
export * from "./session.ts";
export * from "./session_defaults.ts";
export * from "./session_update.ts";
export * from "./error_event.ts";
export * from "./limits.ts";
export * from "./parse.ts";
export type { RequestProblem } from "./readers.ts";
