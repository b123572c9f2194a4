// This module is browser compatible.
/**
 * The server events of the Realtime GA protocol (docs/protocol.md §2.2, §3) as a
 * discriminated union on `type`. Servers may send types not listed here; readers pass them
 * through.
 *
 * @module
 */

import type { ContentPart, Item } from "./items.ts";
import type { RealtimeResponse } from "./responses.ts";
import type { Session } from "./session.ts";

interface ServerEventBase {
  /** Minted by the server: `event_` + 21 base62 characters. */
  event_id: string;
}
export interface SessionCreatedEvent extends ServerEventBase {
  type: "session.created";
  session: Session;
}
/** The full effective session; never carries the client's `event_id`. */
export interface SessionUpdatedEvent extends ServerEventBase {
  type: "session.updated";
  session: Session;
}
export interface InputAudioBufferSpeechStartedEvent extends ServerEventBase {
  type: "input_audio_buffer.speech_started";
  /** Ms of audio appended since the session began, prefix padding already subtracted. */
  audio_start_ms: number;
  item_id: string;
}
export interface InputAudioBufferSpeechStoppedEvent extends ServerEventBase {
  type: "input_audio_buffer.speech_stopped";
  audio_end_ms: number;
  item_id: string;
}
export interface InputAudioBufferCommittedEvent extends ServerEventBase {
  type: "input_audio_buffer.committed";
  previous_item_id: string | null;
  item_id: string;
}
export interface InputAudioBufferClearedEvent extends ServerEventBase {
  type: "input_audio_buffer.cleared";
}
export interface InputAudioBufferTimeoutTriggeredEvent extends ServerEventBase {
  type: "input_audio_buffer.timeout_triggered";
  audio_start_ms: number;
  audio_end_ms: number;
  item_id: string;
}
export interface ConversationItemAddedEvent extends ServerEventBase {
  type: "conversation.item.added";
  previous_item_id: string | null;
  item: Item;
}
export interface ConversationItemDoneEvent extends ServerEventBase {
  type: "conversation.item.done";
  previous_item_id: string | null;
  item: Item;
}
/** The only item event that carries audio bytes. */
export interface ConversationItemRetrievedEvent extends ServerEventBase {
  type: "conversation.item.retrieved";
  item: Item;
}
export interface ConversationItemTruncatedEvent extends ServerEventBase {
  type: "conversation.item.truncated";
  item_id: string;
  content_index: number;
  audio_end_ms: number;
}
export interface ConversationItemDeletedEvent extends ServerEventBase {
  type: "conversation.item.deleted";
  item_id: string;
}

export interface LogProb {
  token: string;
  logprob: number;
  bytes: number[];
}
export type TranscriptionUsage =
  | {
    type: "tokens";
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    input_token_details?: { text_tokens: number; audio_tokens: number };
  }
  | { type: "duration"; seconds: number };

export interface InputAudioTranscriptionDeltaEvent extends ServerEventBase {
  type: "conversation.item.input_audio_transcription.delta";
  item_id: string;
  content_index: number;
  delta: string;
  logprobs?: LogProb[] | null;
  obfuscation?: string;
}
export interface InputAudioTranscriptionCompletedEvent extends ServerEventBase {
  type: "conversation.item.input_audio_transcription.completed";
  item_id: string;
  content_index: number;
  transcript: string;
  usage: TranscriptionUsage;
  logprobs?: LogProb[] | null;
}
export interface InputAudioTranscriptionFailedEvent extends ServerEventBase {
  type: "conversation.item.input_audio_transcription.failed";
  item_id: string;
  content_index: number;
  error: { type: string; code: string | null; message: string; param: string | null };
}

export interface ResponseCreatedEvent extends ServerEventBase {
  type: "response.created";
  response: RealtimeResponse;
}
/** Always sent, whatever the outcome; `output` items carry no audio. */
export interface ResponseDoneEvent extends ServerEventBase {
  type: "response.done";
  response: RealtimeResponse;
}
export interface ResponseOutputItemAddedEvent extends ServerEventBase {
  type: "response.output_item.added";
  response_id: string;
  output_index: number;
  item: Item;
}
export interface ResponseOutputItemDoneEvent extends ServerEventBase {
  type: "response.output_item.done";
  response_id: string;
  output_index: number;
  item: Item;
}

interface ContentEventBase extends ServerEventBase {
  response_id: string;
  item_id: string;
  output_index: number;
  content_index: number;
}
export interface ResponseContentPartAddedEvent extends ContentEventBase {
  type: "response.content_part.added";
  part: ContentPart;
}
export interface ResponseContentPartDoneEvent extends ContentEventBase {
  type: "response.content_part.done";
  part: ContentPart;
}
export interface ResponseOutputAudioDeltaEvent extends ContentEventBase {
  type: "response.output_audio.delta";
  /** Base64 audio in the session's output format. */
  delta: string;
}
export interface ResponseOutputAudioDoneEvent extends ContentEventBase {
  type: "response.output_audio.done";
}
export interface ResponseOutputAudioTranscriptDeltaEvent extends ContentEventBase {
  type: "response.output_audio_transcript.delta";
  delta: string;
  /** Padding GA adds to text deltas. */
  obfuscation?: string;
}
export interface ResponseOutputAudioTranscriptDoneEvent extends ContentEventBase {
  type: "response.output_audio_transcript.done";
  transcript: string;
}
export interface ResponseOutputTextDeltaEvent extends ContentEventBase {
  type: "response.output_text.delta";
  delta: string;
  obfuscation?: string;
}
export interface ResponseOutputTextDoneEvent extends ContentEventBase {
  type: "response.output_text.done";
  text: string;
}
export interface ResponseFunctionCallArgumentsDeltaEvent extends ServerEventBase {
  type: "response.function_call_arguments.delta";
  response_id: string;
  item_id: string;
  output_index: number;
  call_id: string;
  delta: string;
  obfuscation?: string;
}
export interface ResponseFunctionCallArgumentsDoneEvent extends ServerEventBase {
  type: "response.function_call_arguments.done";
  response_id: string;
  item_id: string;
  output_index: number;
  call_id: string;
  name?: string;
  arguments: string;
}

export interface RateLimit {
  name: "requests" | "tokens";
  limit: number;
  remaining: number;
  /** May be fractional (2.265). */
  reset_seconds: number;
}
/** Sent shortly after `response.done` (docs/protocol.md §8.1, step 17). */
export interface RateLimitsUpdatedEvent extends ServerEventBase {
  type: "rate_limits.updated";
  rate_limits: RateLimit[];
}

/** The `error` of an error event. */
export interface RealtimeError {
  /** Usually "invalid_request_error"; "server_error" is also documented. */
  type: string;
  code: string | null;
  message: string;
  param: string | null;
  /** The offending client event's `event_id`, when it had one. */
  event_id: string | null;
}
/** Errors are not fatal: the session goes on. */
export interface ErrorEvent extends ServerEventBase {
  type: "error";
  error: RealtimeError;
}

export type ServerEvent =
  | SessionCreatedEvent
  | SessionUpdatedEvent
  | InputAudioBufferSpeechStartedEvent
  | InputAudioBufferSpeechStoppedEvent
  | InputAudioBufferCommittedEvent
  | InputAudioBufferClearedEvent
  | InputAudioBufferTimeoutTriggeredEvent
  | ConversationItemAddedEvent
  | ConversationItemDoneEvent
  | ConversationItemRetrievedEvent
  | ConversationItemTruncatedEvent
  | ConversationItemDeletedEvent
  | InputAudioTranscriptionDeltaEvent
  | InputAudioTranscriptionCompletedEvent
  | InputAudioTranscriptionFailedEvent
  | ResponseCreatedEvent
  | ResponseDoneEvent
  | ResponseOutputItemAddedEvent
  | ResponseOutputItemDoneEvent
  | ResponseContentPartAddedEvent
  | ResponseContentPartDoneEvent
  | ResponseOutputAudioDeltaEvent
  | ResponseOutputAudioDoneEvent
  | ResponseOutputAudioTranscriptDeltaEvent
  | ResponseOutputAudioTranscriptDoneEvent
  | ResponseOutputTextDeltaEvent
  | ResponseOutputTextDoneEvent
  | ResponseFunctionCallArgumentsDeltaEvent
  | ResponseFunctionCallArgumentsDoneEvent
  | RateLimitsUpdatedEvent
  | ErrorEvent;

export type ServerEventType = ServerEvent["type"];
