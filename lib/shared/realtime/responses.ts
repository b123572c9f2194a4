// This module is browser compatible.
/**
 * The response object of `response.created` / `response.done` and the per-response overrides
 * a client may send in `response.create` (docs/protocol.md §3.5).
 *
 * @module
 */

import type { Item, ItemParam, ItemReference } from "./items.ts";
import type {
  AudioFormat,
  AudioFormatUpdate,
  MaxOutputTokens,
  OutputModalities,
  Prompt,
  Tool,
  ToolChoice,
  Voice,
} from "./session.ts";

export type ResponseStatus = "in_progress" | "completed" | "cancelled" | "failed" | "incomplete";

export interface ResponseStatusDetails {
  type: "completed" | "cancelled" | "incomplete" | "failed";
  reason?: "turn_detected" | "client_cancelled" | "max_output_tokens" | "content_filter";
  error?: { type: string; code?: string | null };
}

export interface ResponseUsage {
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  input_token_details: {
    text_tokens: number;
    audio_tokens: number;
    image_tokens: number;
    cached_tokens: number;
    cached_tokens_details: { text_tokens: number; audio_tokens: number; image_tokens: number };
  };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

/** The response object of `response.created` / `response.done`. */
export interface RealtimeResponse {
  object: "realtime.response";
  id: string;
  status: ResponseStatus;
  status_details: ResponseStatusDetails | null;
  output: Item[];
  /** null for out-of-band (`conversation: "none"`) responses. */
  conversation_id: string | null;
  output_modalities: OutputModalities;
  max_output_tokens: MaxOutputTokens;
  audio: { output: { format: AudioFormat; voice: Voice } };
  usage: ResponseUsage | null;
  metadata: Record<string, string> | null;
}

/** The optional `response` of `response.create`: overrides for this response only. */
export interface ResponseCreateParams {
  output_modalities?: OutputModalities;
  instructions?: string;
  audio?: { output?: { format?: AudioFormatUpdate; voice?: Voice } };
  tools?: Tool[];
  tool_choice?: ToolChoice;
  /** At most 16 pairs; keys up to 64 characters, values up to 512. */
  metadata?: Record<string, string> | null;
  prompt?: Prompt | null;
  max_output_tokens?: MaxOutputTokens;
  /** "none" makes an out-of-band response that writes nothing to the conversation. */
  conversation?: "auto" | "none";
  input?: (ItemParam | ItemReference)[];
}
