/**
 * The relay's own error catalogue: every `error` event the relay (not the upstream, not the
 * shared validator) sends a browser, in the Realtime envelope (docs/protocol.md §7.1), with
 * its code and its words. Each says what happened and what to do; none names an address, a
 * path or a cause (those go to the server's log).
 *
 * @module
 */
import { type ErrorEvent, errorEvent } from "@/lib/shared/realtime/mod.ts";
import type { Config } from "./config.ts";
import { UpstreamError } from "./upstream.ts";

/** The relay's error codes. */
export const RELAY_ERROR = {
  notAllowed: "relay_event_not_allowed",
  tooLarge: "relay_event_too_large",
  queueFull: "relay_queue_full",
  congested: "relay_upstream_congested",
  rateLimited: "relay_rate_limited",
  unavailable: "upstream_unavailable",
  disconnected: "upstream_disconnected",
  expired: "relay_session_expired",
  budgetExhausted: "relay_budget_exhausted",
} as const;

/** A binary frame that is not PCM16 audio (empty, or an odd number of bytes). */
export function binaryFrameRefused(bytes: number): ErrorEvent {
  return errorEvent(
    "invalid_value",
    `Cannot forward a binary frame of ${bytes} bytes: send PCM16 audio (an even, non-zero number of bytes) or a JSON event`,
    { param: "audio" },
  );
}

/** A message over `MAX_EVENT_BYTES`. */
export function eventTooLarge(size: number, maxEventBytes: number): ErrorEvent {
  return errorEvent(
    RELAY_ERROR.tooLarge,
    `Cannot forward an event of ${size} bytes: the relay accepts at most ${maxEventBytes}. Send audio in smaller appends.`,
  );
}

/** An event (or a field of it, `param`) the relay's allow-list refuses; `message` says why. */
export function notAllowed(message: string, param: string, eventId: string | null): ErrorEvent {
  return errorEvent(RELAY_ERROR.notAllowed, message, { param, eventId });
}

/** A message over the session's rate (`kind`: audio, or the other events). */
export function rateLimited(
  kind: "audio" | "event",
  eventId: string | null,
  config: Pick<Config, "maxAudioSpeed" | "eventRate">,
): ErrorEvent {
  const message = kind === "audio"
    ? `Audio dropped: send it in real time; the relay takes at most ${config.maxAudioSpeed} times real time beyond a few seconds of burst`
    : `Event dropped: the relay takes at most ${config.eventRate?.count} events per ${
      (config.eventRate?.windowMs ?? 1000) / 1000
    } s besides audio; send fewer`;
  return errorEvent(RELAY_ERROR.rateLimited, message, { eventId });
}

/** A message that found the queue full while the upstream opens (`queued` wait already). */
export function queueFull(queued: number): ErrorEvent {
  return errorEvent(
    RELAY_ERROR.queueFull,
    `Cannot queue the event: ${queued} events wait for the realtime service to open. Wait for session.updated before sending.`,
  );
}

/** Appends shed because the upstream is not taking what it was sent. */
export function upstreamCongested(): ErrorEvent {
  return errorEvent(
    RELAY_ERROR.congested,
    "Audio dropped: the realtime service is not keeping up. Check your connection.",
  );
}

/** The upstream could not be opened (`error` as `connectUpstream` rejected). */
export function upstreamUnavailable(error: unknown): ErrorEvent {
  return errorEvent(
    RELAY_ERROR.unavailable,
    `${unreachableMessage(error)} Try again in a moment.`,
    { type: "server_error" },
  );
}

/** What the browser is told when the upstream could not be opened: no addresses, no causes. */
export function unreachableMessage(error: unknown): string {
  if (error instanceof UpstreamError && error.status !== null) {
    return `The voice service refused the session (HTTP ${error.status}).`;
  }
  if (error instanceof UpstreamError && /no answer within/.test(error.message)) {
    return "The voice service did not answer in time.";
  }
  return "The voice service could not be reached.";
}

/** The upstream closed with a code a server may not pass on (`code`). */
export function upstreamDisconnected(code: number): ErrorEvent {
  return errorEvent(
    RELAY_ERROR.disconnected,
    `The realtime service closed the connection unexpectedly (${code}). Reconnect to continue.`,
    { type: "server_error" },
  );
}

/**
 * The session reached `maxSessionSeconds`: the error event, and the reason of the close that
 * follows it.
 */
export function sessionExpired(maxSessionSeconds: number): { error: ErrorEvent; reason: string } {
  const minutes = maxSessionSeconds / 60;
  const limit = Number.isInteger(minutes)
    ? `${minutes} minute${minutes === 1 ? "" : "s"}`
    : `${maxSessionSeconds} seconds`;
  return {
    error: errorEvent(
      RELAY_ERROR.expired,
      `Your session hit the relay's maximum duration of ${limit}. Start a new session to continue.`,
    ),
    reason: `Your session hit the maximum duration of ${limit}.`,
  };
}

/**
 * The day's budget of session time ran out (`resetsAt` and `now`: milliseconds since the
 * epoch): the error event, and the reason of the close (4008) that follows it.
 */
export function budgetExhausted(
  resetsAt: number,
  now: number,
): { error: ErrorEvent; reason: string } {
  const at = new Date(resetsAt).toISOString().slice(11, 16);
  const minutes = Math.max(1, Math.ceil((resetsAt - now) / 60_000));
  const hours = Math.floor(minutes / 60);
  const wait = hours === 0
    ? `${minutes} min`
    : minutes % 60 === 0
    ? `${hours} h`
    : `${hours} h ${minutes % 60} min`;
  return {
    error: errorEvent(
      RELAY_ERROR.budgetExhausted,
      `You have used today's session time. The budget resets at ${at} UTC, in ${wait}; come back then.`,
    ),
    reason: `Today's session time is used up; it resets at ${at} UTC, in ${wait}.`,
  };
}
