/**
 * The GA event sequences the tests check and the scripted upstream plays, written once
 * (docs/protocol.md §8): the events of a server_vad turn, of an audio response, and a
 * builder of a whole audio response with real fields. `shape()` collapses each run of
 * deltas so that a sequence compares with these lists whatever its audio length.
 *
 * @module
 */
import { decodeBase64, encodeBase64 } from "@/lib/shared/base64.ts";
import { concat } from "./bytes.ts";
import type { Json } from "./ws_client.ts";

/** What `shape()` writes for a run of `….delta` events. */
export const DELTAS = "deltas*";

/**
 * A GA `response.done` `usage` object: 100 audio tokens in (20 of them cached), 7 text in,
 * 20 text and 40 audio out.
 */
export const GA_USAGE = {
  total_tokens: 167,
  input_tokens: 107,
  output_tokens: 60,
  input_token_details: {
    text_tokens: 7,
    audio_tokens: 100,
    cached_tokens: 20,
    cached_tokens_details: { text_tokens: 0, audio_tokens: 20 },
  },
  output_token_details: { text_tokens: 20, audio_tokens: 40 },
} as const;

/** A server_vad turn up to its committed user item (docs/protocol.md §8.1, steps 2–6). */
export const VAD_TURN: readonly string[] = [
  "input_audio_buffer.speech_started",
  "input_audio_buffer.speech_stopped",
  "input_audio_buffer.committed",
  "conversation.item.added",
  "conversation.item.done",
];

/** A commit of the input buffer: the committed event and the user item (steps 4–6). */
export const COMMIT: readonly string[] = VAD_TURN.slice(2);

/** An audio response, its deltas collapsed (docs/protocol.md §8.1, steps 7–16). */
export const AUDIO_RESPONSE: readonly string[] = [
  "response.created",
  "response.output_item.added",
  "conversation.item.added",
  "response.content_part.added",
  DELTAS,
  "response.output_audio.done",
  "response.output_audio_transcript.done",
  "response.content_part.done",
  "conversation.item.done",
  "response.output_item.done",
  "response.done",
];

/** What GA sends after every response. */
export const RATE_LIMITS_UPDATED = "rate_limits.updated";

/** A whole server_vad turn: the turn, its response, the rate limits. */
export const VAD_TURN_WITH_RESPONSE: readonly string[] = [
  ...VAD_TURN,
  ...AUDIO_RESPONSE,
  RATE_LIMITS_UPDATED,
];

/** A test of an event's type, for `filter`, `find` and `TestClient.next`. */
export function isType(type: string): (event: Json) => boolean {
  return (event) => event.type === type;
}

/** Event types in order, each run of `….delta` events (audio and transcript) as one {@linkcode DELTAS}. */
export function shape(events: readonly Json[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    const type = event.type.endsWith(".delta") ? DELTAS : event.type;
    if (type === DELTAS && out.at(-1) === DELTAS) continue;
    out.push(type);
  }
  return out;
}

/** The audio of the `response.output_audio.delta` events (of one response, if given), joined. */
export function joinAudioDeltas(events: readonly Json[], responseId?: string): Uint8Array {
  return concat(
    events
      .filter((e) =>
        e.type === "response.output_audio.delta" &&
        (responseId === undefined || e.response_id === responseId)
      )
      .map((e) => decodeBase64(e.delta)),
  );
}

/** The ids an audio response's events carry. */
export interface ResponseIds {
  /** @default {"resp_test"} */
  responseId?: string;
  /** The assistant item. @default {"item_test"} */
  itemId?: string;
  /** The item the assistant item follows. @default {null} */
  previousItemId?: string | null;
}

/** `ids` with the defaults of those not given. */
function withDefaults(ids: ResponseIds): Required<ResponseIds> {
  return {
    responseId: ids.responseId ?? "resp_test",
    itemId: ids.itemId ?? "item_test",
    previousItemId: ids.previousItemId ?? null,
  };
}

/** Where the events of a response's one audio part point: its response and item, output 0, part 0. */
function audioPart(ids: Required<ResponseIds>): Json {
  return { response_id: ids.responseId, item_id: ids.itemId, output_index: 0, content_index: 0 };
}

/** A `response.output_audio.delta` of `audio` (PCM bytes, or base64 as it is sent). */
export function audioDelta(
  audio: Uint8Array | string,
  eventId: string,
  ids: ResponseIds = {},
): Json {
  const delta = typeof audio === "string" ? audio : encodeBase64(audio);
  return {
    type: "response.output_audio.delta",
    event_id: eventId,
    ...audioPart(withDefaults(ids)),
    delta,
  };
}

/**
 * A whole audio response in the GA order, as a service sends it: one delta per chunk of
 * `audio`, `transcript` as the item's transcript. Event ids are `event_<response id>_<n>`.
 */
export function audioResponse(
  audio: readonly Uint8Array[],
  transcript = "",
  ids: ResponseIds = {},
): Json[] {
  const all = withDefaults(ids);
  const { responseId, itemId, previousItemId } = all;
  let n = 0;
  const eventId = () => `event_${responseId}_${n++}`;
  const part = { type: "audio", transcript };
  const item = (status: string, content: Json[]) => ({
    id: itemId,
    object: "realtime.item",
    type: "message",
    status,
    role: "assistant",
    content,
  });
  const response = (status: string, output: Json[]) => ({
    id: responseId,
    object: "realtime.response",
    status,
    status_details: null,
    output,
  });
  const where = audioPart(all);
  const done = item("completed", [{ type: "output_audio", transcript }]);
  return [
    { type: "response.created", event_id: eventId(), response: response("in_progress", []) },
    {
      type: "response.output_item.added",
      event_id: eventId(),
      response_id: responseId,
      output_index: 0,
      item: item("in_progress", []),
    },
    {
      type: "conversation.item.added",
      event_id: eventId(),
      previous_item_id: previousItemId,
      item: item("in_progress", []),
    },
    { type: "response.content_part.added", event_id: eventId(), ...where, part },
    ...audio.map((chunk) => audioDelta(chunk, eventId(), all)),
    { type: "response.output_audio.done", event_id: eventId(), ...where },
    { type: "response.output_audio_transcript.done", event_id: eventId(), ...where, transcript },
    { type: "response.content_part.done", event_id: eventId(), ...where, part },
    {
      type: "conversation.item.done",
      event_id: eventId(),
      previous_item_id: previousItemId,
      item: done,
    },
    {
      type: "response.output_item.done",
      event_id: eventId(),
      response_id: responseId,
      output_index: 0,
      item: done,
    },
    { type: "response.done", event_id: eventId(), response: response("completed", [done]) },
  ];
}
