/**
 * What becomes of one browser message before it may go upstream, decided in one pure
 * function so that the relay's transport (`relay.ts`) only sends what it is told:
 *
 * 1. An even-length, non-empty binary frame is PCM16 audio, wrapped into an
 *    `input_audio_buffer.append`; other binary frames are refused.
 * 2. A message over `maxEventBytes` is refused (`relay_event_too_large`).
 * 3. Text goes through the shared validator (the exact GA error otherwise), then the relay's
 *    allow-list (`relay_policy.ts`, `relay_event_not_allowed`).
 * 4. The session's rates: audio by its duration, other events one each (invalid and refused
 *    events count too: each costs an error reply).
 *
 * Accepted appends are forwarded as received; other accepted events are re-serialized, so
 * that a key given twice reaches the upstream as the policy saw it (`JSON.parse` keeps the
 * last one; a peer that kept the first would see a field the policy never checked).
 *
 * ```ts
 * const admission = admitBrowserMessage('{"type":"input_audio_buffer.clear"}', {
 *   maxEventBytes: 1 << 20,
 *   limits: sessionLimits(config),
 *   decodeAudio: false,
 * });
 * // admission.type is "forward"; admission.text is the event to send upstream
 * ```
 *
 * @module
 */
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { type ErrorEvent, parseClientEvent, type ParseOptions } from "@/lib/shared/realtime/mod.ts";
import { binaryFrameRefused, eventTooLarge, notAllowed } from "./relay_errors.ts";
import { base64AudioBytes, checkClientEvent, type SessionLimits } from "./relay_policy.ts";

/** What to do with a browser message. */
export type Admission =
  /**
   * Send `text` upstream. `append` marks audio (shed first when the upstream is congested);
   * `audio` is its PCM16 when decoded (a binary frame, or a JSON append to be recorded).
   */
  | { type: "forward"; text: string; append: boolean; audio: Uint8Array | null }
  /**
   * Send `error` to the browser (and count it under its code); nothing goes upstream. The
   * error is the shared validator's, or one of `relay_errors.ts`.
   */
  | { type: "refuse"; error: ErrorEvent }
  /** Over the session's rate: drop it, count it, and tell the browser at most once a second. */
  | { type: "rate_limited"; kind: RateKind; eventId: string | null };

/** Which of a session's rates a message was over. */
export type RateKind = "audio" | "event";

/** Options of {@linkcode admitBrowserMessage}. */
export interface AdmissionOptions {
  /** Largest message, in bytes of UTF-8 (or of audio for a binary frame). */
  maxEventBytes: number;
  /** The session's rates; counts what it admits. */
  limits: SessionLimits;
  /** Decode a JSON append's audio (to record it); the check is the same either way. */
  decodeAudio: boolean;
}

/** Parse options, made once: the per-message path allocates none. */
const DECODE_AUDIO: ParseOptions = { decodeAudio: true };
const CHECK_AUDIO: ParseOptions = { decodeAudio: false };

/** Decides what becomes of one browser message (a text or a binary WebSocket frame). */
export function admitBrowserMessage(
  data: string | ArrayBuffer,
  options: AdmissionOptions,
): Admission {
  return typeof data === "string" ? admitText(data, options) : admitBinary(data, options);
}

function admitBinary(data: ArrayBuffer, options: AdmissionOptions): Admission {
  const bytes = new Uint8Array(data);
  if (bytes.length === 0 || bytes.length % 2 !== 0) {
    return refuse(binaryFrameRefused(bytes.length));
  }
  if (bytes.length > options.maxEventBytes) {
    return refuse(eventTooLarge(bytes.length, options.maxEventBytes));
  }
  if (!options.limits.admitAudio(bytes.length)) return rateLimited("audio", null);
  return {
    type: "forward",
    text: `{"type":"input_audio_buffer.append","audio":"${encodeBase64(bytes)}"}`,
    append: true,
    audio: bytes,
  };
}

function admitText(text: string, options: AdmissionOptions): Admission {
  const { limits } = options;
  // UTF-8 takes at most 3 bytes per UTF-16 unit; measure exactly only near the limit.
  if (text.length * 3 > options.maxEventBytes) {
    const size = new TextEncoder().encode(text).length;
    if (size > options.maxEventBytes) return refuse(eventTooLarge(size, options.maxEventBytes));
  }
  const parsed = parseClientEvent(text, options.decodeAudio ? DECODE_AUDIO : CHECK_AUDIO);
  if (!parsed.ok) {
    if (!limits.admitEvent()) return rateLimited("event", null);
    return refuse(parsed.error);
  }
  const event = parsed.event;
  const eventId = event.event_id ?? null;
  const refusal = checkClientEvent(event);
  if (refusal) {
    if (!limits.admitEvent()) return rateLimited("event", null);
    return refuse(notAllowed(refusal.message, refusal.param, eventId));
  }
  if (event.type === "input_audio_buffer.append") {
    const audio = parsed.audioBytes;
    if (!limits.admitAudio(audio?.length ?? base64AudioBytes(event.audio))) {
      return rateLimited("audio", null);
    }
    return { type: "forward", text, append: true, audio };
  }
  if (!limits.admitEvent()) return rateLimited("event", eventId);
  return { type: "forward", text: JSON.stringify(JSON.parse(text)), append: false, audio: null };
}

function refuse(error: ErrorEvent): Admission {
  return { type: "refuse", error };
}

function rateLimited(kind: RateKind, eventId: string | null): Admission {
  return { type: "rate_limited", kind, eventId };
}
