// This module is browser compatible.
/**
 * The twelve client events of the Realtime GA protocol (docs/protocol.md §2.1, §3.2) as a
 * discriminated union on `type`, and their names in the order GA lists them.
 *
 * @module
 */

import type { ItemParam } from "./items.ts";
import type { ResponseCreateParams } from "./responses.ts";
import type { SessionUpdate } from "./session.ts";

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
