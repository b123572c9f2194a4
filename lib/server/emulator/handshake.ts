/**
 * The checks the Realtime service makes on a WebSocket upgrade (docs/protocol.md §1): the
 * subprotocol to answer with, and whether the session may start.
 *
 * GA answers every upgrade with a 101 and reports a bad one in the first frame, then closes
 * (3000 for authentication, 4000 for a bad request). The checks run in the order the
 * service is seen to apply them: the retired beta shape, then authentication, then the model.
 *
 * @module
 */

import {
  betaApiShapeDisabled,
  type FatalProblem,
  missingAuthentication,
  missingModel,
  unsupportedConnection,
} from "./errors.ts";

/** The subprotocol a browser offers to select the Realtime protocol. */
export const REALTIME_PROTOCOL = "realtime";
/** Browsers pass the key as the subprotocol `openai-insecure-api-key.<key>`. */
const KEY_PROTOCOL_PREFIX = "openai-insecure-api-key.";
/** The retired beta shape's subprotocol. */
const BETA_PROTOCOL = "openai-beta.realtime-v1";

export type HandshakeResult =
  | { ok: true; model: string }
  | { ok: false; problem: FatalProblem };

/**
 * The subprotocols offered in `Sec-WebSocket-Protocol`, in order. Split on commas with any
 * whitespace: browsers send `a, b`, npm `ws` sends `a,b`.
 */
export function offeredProtocols(headers: Headers): string[] {
  const value = headers.get("sec-websocket-protocol");
  if (value === null) return [];
  return value.split(",").map((token) => token.trim()).filter((token) => token !== "");
}

/**
 * The subprotocol to answer with: `realtime` when offered, else none. Never the key entry,
 * which would echo a secret back (and is not a protocol).
 */
export function selectProtocol(offered: readonly string[]): string | undefined {
  return offered.includes(REALTIME_PROTOCOL) ? REALTIME_PROTOCOL : undefined;
}

/** Whether the request carries a key: a non-empty bearer or basic credential, or the key subprotocol. */
export function hasCredentials(headers: Headers, offered: readonly string[]): boolean {
  const authorization = headers.get("authorization")?.trim() ?? "";
  const match = /^(bearer|basic)\s+(\S+)$/i.exec(authorization);
  if (match) return true;
  return offered.some((protocol) =>
    protocol.startsWith(KEY_PROTOCOL_PREFIX) && protocol.length > KEY_PROTOCOL_PREFIX.length
  );
}

/**
 * Decides whether a session may start on this upgrade. Any non-empty key is accepted (the
 * emulator is local); any non-empty model name is accepted.
 */
export function checkHandshake(url: URL, headers: Headers): HandshakeResult {
  const offered = offeredProtocols(headers);
  if (headers.has("openai-beta") || offered.includes(BETA_PROTOCOL)) {
    return { ok: false, problem: betaApiShapeDisabled() };
  }
  if (!hasCredentials(headers, offered)) return { ok: false, problem: missingAuthentication() };
  const model = url.searchParams.get("model")?.trim() ?? "";
  if (model !== "") return { ok: true, model };
  const intent = url.searchParams.get("intent");
  if (intent !== null) return { ok: false, problem: unsupportedConnection("intent", intent) };
  const callId = url.searchParams.get("call_id");
  if (callId !== null) return { ok: false, problem: unsupportedConnection("call_id", callId) };
  return { ok: false, problem: missingModel() };
}
