/**
 * What the relay lets a browser do, in one place: which client events pass, which of their
 * fields, the session the server configures, and how fast a session may send. The relay's
 * transport (`relay.ts`) moves bytes and decides nothing itself: `relay_admission.ts` applies
 * these rules to each browser message, and `relay_errors.ts` words the refusals.
 *
 * The browser is not trusted to configure the model: the API key on the server pays for
 * whatever reaches the upstream, so anything that could turn the coach into a general-purpose
 * model (instructions, tools, text output, out-of-band responses, extra input items, metadata)
 * is refused. What the page needs passes: audio, push-to-talk (commit, clear, an empty
 * `response.create`, cancel), barge-in (truncate), switching turn detection, and a typed
 * message: one user `input_text` item of at most `MAX_TYPED_TEXT_CHARS`, nothing else
 * (`typedItemProblem()`).
 *
 * The rules run on the event as the shared parser read it (last of any duplicated key wins,
 * as in `JSON.parse`): the parser has already refused fields GA does not know, so the lists
 * below only narrow GA's own.
 *
 * @module
 */
import { COACH_TURN_DETECTION, MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import { BYTES_PER_MS, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import type { ClientEvent } from "@/lib/shared/realtime/mod.ts";
import type { Config, Rate } from "./config.ts";
import { TokenBucket } from "./token_bucket.ts";

/**
 * Every client event the relay forwards, with the top-level fields it may carry. `event_id`
 * is the client's own label (GA echoes it only in errors).
 */
export const ALLOWED_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  "input_audio_buffer.append": new Set(["type", "event_id", "audio"]),
  "input_audio_buffer.commit": new Set(["type", "event_id"]),
  "input_audio_buffer.clear": new Set(["type", "event_id"]),
  "conversation.item.truncate": new Set([
    "type",
    "event_id",
    "item_id",
    "content_index",
    "audio_end_ms",
  ]),
  // `response` only when empty: see checkClientEvent().
  "response.create": new Set(["type", "event_id", "response"]),
  "response.cancel": new Set(["type", "event_id", "response_id"]),
  // `item` only as a typed user message: see typedItemProblem().
  "conversation.item.create": new Set(["type", "event_id", "item"]),
  // `session` only with the fields of SESSION_UPDATE_PATHS.
  "session.update": new Set(["type", "event_id", "session"]),
};

/** Event types the relay forwards. */
export const ALLOWED_EVENTS: ReadonlySet<string> = new Set(Object.keys(ALLOWED_FIELDS));

/** Why an event was refused: the field (or `type`) and a sentence for the browser. */
export interface Refusal {
  param: string;
  message: string;
}

/**
 * Whether the relay may forward `event` (already parsed and valid GA); the refusal otherwise.
 * Never throws.
 */
export function checkClientEvent(event: ClientEvent | Record<string, unknown>): Refusal | null {
  const type = String(event.type);
  const fields = ALLOWED_FIELDS[type];
  if (!fields) {
    return {
      param: "type",
      message: `Cannot forward '${type}': the relay forwards only ${
        [...ALLOWED_EVENTS].join(", ")
      }`,
    };
  }
  for (const key of Object.keys(event)) {
    if (!fields.has(key)) {
      return {
        param: key,
        message: `Cannot forward '${type}' with '${key}': the relay lets through only ${
          [...fields].join(", ")
        }`,
      };
    }
  }
  const record = event as Record<string, unknown>;
  if (type === "response.create" && record.response !== undefined) {
    const response = record.response;
    const keys = isObject(response) ? Object.keys(response) : [];
    if (!isObject(response) || keys.length > 0) {
      const param = keys.length > 0 ? `response.${keys[0]}` : "response";
      return {
        param,
        message:
          `Cannot forward 'response.create' with '${param}': the server sets how the coach answers; send response.create with no response (or an empty one)`,
      };
    }
  }
  if (type === "conversation.item.create") {
    const problem = typedItemProblem(record.item);
    if (problem) return problem;
  }
  if (type === "session.update") {
    const field = disallowedSessionField(record.session);
    if (field) {
      return {
        param: field,
        message:
          `Cannot change '${field}' through the relay: the server configures the session; only 'session.audio.input.turn_detection' may be updated`,
      };
    }
  }
  return null;
}

/**
 * The first field of a browser `session.update` that the relay does not let through, or null.
 * Only `session.type` and `session.audio.input.turn_detection` may be sent.
 */
export function disallowedSessionField(session: unknown): string | null {
  if (!isObject(session)) return "session";
  for (const [key, value] of Object.entries(session)) {
    if (key === "type") continue;
    if (key !== "audio" || !isObject(value)) return `session.${key}`;
    for (const [audioKey, audioValue] of Object.entries(value)) {
      if (audioKey !== "input" || !isObject(audioValue)) return `session.audio.${audioKey}`;
      for (const inputKey of Object.keys(audioValue)) {
        if (inputKey !== "turn_detection") return `session.audio.input.${inputKey}`;
      }
    }
  }
  return null;
}

/** The one item shape a browser may create, for the refusals' wording. */
const TYPED_ITEM_SHAPE =
  '{type:"message", role:"user", content:[{type:"input_text", text}]} with 1 to ' +
  `${MAX_TYPED_TEXT_CHARS} characters of text`;

/**
 * Why a browser's `conversation.item.create` item is refused, or null for a typed message:
 * exactly `{type: "message", role: "user", content: [{type: "input_text", text}]}` with
 * non-blank `text` of at most `MAX_TYPED_TEXT_CHARS` (no id, status or other part).
 */
export function typedItemProblem(item: unknown): Refusal | null {
  const refuse = (param: string, why: string): Refusal => ({
    param,
    message: `Cannot forward 'conversation.item.create' with '${param}': ${why}; ` +
      `send only a typed message, ${TYPED_ITEM_SHAPE}`,
  });
  if (!isObject(item)) return refuse("item", "the item is not an object");
  if (item.type !== "message") return refuse("item.type", "only a message may be created");
  if (item.role !== "user") return refuse("item.role", "only the user's own message is allowed");
  for (const key of Object.keys(item)) {
    if (key !== "type" && key !== "role" && key !== "content") {
      return refuse(`item.${key}`, "the relay sets no other field of an item");
    }
  }
  const content = item.content;
  if (!Array.isArray(content) || content.length !== 1) {
    return refuse("item.content", "a typed message has exactly one part");
  }
  const part = content[0];
  if (!isObject(part)) return refuse("item.content[0]", "the part is not an object");
  if (part.type !== "input_text") {
    return refuse("item.content[0].type", "only typed text (input_text) may be sent");
  }
  for (const key of Object.keys(part)) {
    if (key !== "type" && key !== "text") {
      return refuse(`item.content[0].${key}`, "an input_text part holds only its text");
    }
  }
  const text = part.text;
  if (typeof text !== "string" || text.trim() === "") {
    return refuse("item.content[0].text", "the message is empty");
  }
  if (text.length > MAX_TYPED_TEXT_CHARS) {
    return refuse(
      "item.content[0].text",
      `the message has ${text.length} characters, more than ${MAX_TYPED_TEXT_CHARS}`,
    );
  }
  return null;
}

/** The GA session the server configures when the upstream opens (COACH_* settings). */
export function coachSessionUpdate(config: Readonly<Config>): string {
  return JSON.stringify({
    type: "session.update",
    session: {
      type: "realtime",
      instructions: config.coachInstructions,
      output_modalities: ["audio"],
      audio: {
        input: {
          format: { type: "audio/pcm", rate: WIRE_SAMPLE_RATE },
          transcription: { model: "gpt-4o-mini-transcribe" },
          turn_detection: COACH_TURN_DETECTION,
        },
        output: { format: { type: "audio/pcm", rate: WIRE_SAMPLE_RATE }, voice: config.coachVoice },
      },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Rates

/** Audio may be sent this many seconds ahead at once (a reconnect flushing its queue)… */
export const AUDIO_BURST_SECONDS = 5;

/** At most one `relay_rate_limited` error a second: refusals must not become a flood. */
export const RATE_ERROR_INTERVAL_MS = 1000;

/** Options of {@linkcode SessionLimits}. */
export interface SessionLimitOptions {
  /**
   * Audio may arrive at most this many times faster than real time on average, beyond a
   * burst of {@linkcode AUDIO_BURST_SECONDS}; null: no limit.
   */
  audioSpeed: number | null;
  /** Events other than appends; null: no limit. */
  eventRate: Rate | null;
  /**
   * Clock in milliseconds.
   * @default {performance.now}
   */
  now?: () => number;
}

/** What a session may send, as token buckets: audio in milliseconds, other events one each. */
export class SessionLimits {
  #audio: TokenBucket | null;
  #events: TokenBucket | null;
  #now: () => number;
  #lastReport = -Infinity;

  constructor(options: SessionLimitOptions) {
    this.#now = options.now ?? (() => performance.now());
    const now = this.#now;
    this.#audio = options.audioSpeed === null ? null : new TokenBucket({
      capacity: AUDIO_BURST_SECONDS * 1000,
      refillPerSecond: options.audioSpeed * 1000,
      now,
    });
    const rate = options.eventRate;
    this.#events = rate === null ? null : new TokenBucket({
      capacity: rate.burst,
      refillPerSecond: (rate.count * 1000) / rate.windowMs,
      now,
    });
  }

  /**
   * Whether an append of `bytes` bytes of 24 kHz PCM16 may go now (and counts it if so). One
   * append longer than the burst passes when the budget is not spent, and the session then
   * waits until the average is back under the limit.
   */
  admitAudio(bytes: number): boolean {
    return this.#audio === null || this.#audio.spend(bytes / BYTES_PER_MS);
  }

  /** Whether another non-append event may go now (and counts it if so). */
  admitEvent(): boolean {
    return this.#events === null || this.#events.take();
  }

  /** Whether to tell the browser about a refusal now (at most once a second). */
  shouldReport(): boolean {
    const now = this.#now();
    if (now - this.#lastReport < RATE_ERROR_INTERVAL_MS) return false;
    this.#lastReport = now;
    return true;
  }
}

/** The limits of one session under `config`. */
export function sessionLimits(config: Readonly<Config>): SessionLimits {
  return new SessionLimits({ audioSpeed: config.maxAudioSpeed, eventRate: config.eventRate });
}

/** Bytes of PCM16 in an append's base64 `audio`, without decoding it. */
export function base64AudioBytes(audio: string): number {
  let padding = 0;
  if (audio.endsWith("==")) padding = 2;
  else if (audio.endsWith("=")) padding = 1;
  return Math.floor((audio.length * 3) / 4) - padding;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
