// This module is browser compatible.
/**
 * The Realtime GA session configuration as types (docs/protocol.md §4): the effective session
 * a server reports in `session.created` / `session.updated`, and the partial `session` a
 * client sends in `session.update`. Defaults are in `session_defaults.ts`, the schema in
 * `session_readers.ts`, validation and merging in `session_update.ts`.
 *
 * @module
 */

import type { WIRE_SAMPLE_RATE } from "../audio_format.ts";

/** Voices GA accepts (the first eight were the beta set). */
export const VOICES = [
  "alloy",
  "ash",
  "ballad",
  "coral",
  "echo",
  "sage",
  "shimmer",
  "verse",
  "marin",
  "cedar",
] as const;
export type Voice = typeof VOICES[number];

/** 16-bit little-endian mono PCM at 24 kHz. */
export interface PcmFormat {
  type: "audio/pcm";
  rate: typeof WIRE_SAMPLE_RATE;
}
/** G.711 μ-law (8 kHz by definition; no rate field). */
export interface PcmuFormat {
  type: "audio/pcmu";
}
/** G.711 A-law (8 kHz by definition; no rate field). */
export interface PcmaFormat {
  type: "audio/pcma";
}
export type AudioFormat = PcmFormat | PcmuFormat | PcmaFormat;
/** A format as a client may send it: `type` defaults to `audio/pcm`, `rate` to 24000. */
export type AudioFormatUpdate =
  | { type?: "audio/pcm"; rate?: typeof WIRE_SAMPLE_RATE }
  | PcmuFormat
  | PcmaFormat;

export type NoiseReductionType = "near_field" | "far_field";
export interface NoiseReduction {
  type: NoiseReductionType;
}

/** Input transcription settings (any transcription model name is accepted). */
export interface Transcription {
  model?: string;
  language?: string;
  /** At most 1024 characters. */
  prompt?: string;
}

export interface ServerVad {
  type: "server_vad";
  /** 0–1. */
  threshold: number;
  prefix_padding_ms: number;
  silence_duration_ms: number;
  /** null, or 5000–30000. */
  idle_timeout_ms: number | null;
  create_response: boolean;
  interrupt_response: boolean;
}
export type Eagerness = "low" | "medium" | "high" | "auto";
export interface SemanticVad {
  type: "semantic_vad";
  eagerness: Eagerness;
  create_response: boolean;
  interrupt_response: boolean;
}
export type TurnDetection = ServerVad | SemanticVad;
/** Turn detection as sent: fields left out take their defaults (it replaces, not merges). */
export type TurnDetectionUpdate =
  | ({ type: "server_vad" } & Partial<Omit<ServerVad, "type">>)
  | ({ type: "semantic_vad" } & Partial<Omit<SemanticVad, "type">>);

export interface FunctionTool {
  type: "function";
  name?: string;
  /** At most 1024 characters. */
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
}
export interface McpToolFilter {
  read_only?: boolean;
  tool_names?: string[];
}
export interface McpTool {
  type: "mcp";
  server_label: string;
  server_url?: string;
  connector_id?: string;
  authorization?: string;
  headers?: Record<string, string> | null;
  allowed_tools?: string[] | McpToolFilter | null;
  require_approval?: "always" | "never" | { always?: McpToolFilter; never?: McpToolFilter } | null;
  server_description?: string;
}
export type Tool = FunctionTool | McpTool;

export type ToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; name: string }
  | { type: "mcp"; server_label: string; name?: string | null };

export type Tracing = "auto" | { workflow_name?: string; group_id?: string; metadata?: unknown };

export type Truncation =
  | "auto"
  | "disabled"
  | {
    type: "retention_ratio";
    retention_ratio: number;
    token_limits?: { post_instructions?: number };
  };

export interface Prompt {
  id: string;
  version?: string | null;
  variables?: Record<string, unknown> | null;
}

export type Include = "item.input_audio_transcription.logprobs";
export type OutputModality = "audio" | "text";
/** GA answers with audio (plus its transcript) or with text, never both. */
export type OutputModalities = ["audio"] | ["text"];
/** 1–4096, or "inf". */
export type MaxOutputTokens = number | "inf";

export interface AudioInput {
  format: AudioFormat;
  transcription: Transcription | null;
  noise_reduction: NoiseReduction | null;
  turn_detection: TurnDetection | null;
}
export interface AudioOutput {
  format: AudioFormat;
  voice: Voice;
  /** 0.25–1.5. */
  speed: number;
}

/** The effective configuration of a realtime (speech-to-speech) session. */
export interface RealtimeSession {
  type: "realtime";
  object: "realtime.session";
  id: string;
  model: string;
  output_modalities: OutputModalities;
  instructions: string;
  tools: Tool[];
  tool_choice: ToolChoice;
  max_output_tokens: MaxOutputTokens;
  tracing: Tracing | null;
  truncation: Truncation;
  prompt: Prompt | null;
  /** Unix seconds: creation plus the session lifetime (an hour). */
  expires_at: number;
  audio: { input: AudioInput; output: AudioOutput };
  include: Include[] | null;
}

/** The effective configuration of a transcription-only session (`?intent=transcription`). */
export interface TranscriptionSession {
  type: "transcription";
  object: "realtime.transcription_session";
  id: string;
  expires_at: number;
  audio: { input: AudioInput };
  include: Include[] | null;
}

export type Session = RealtimeSession | TranscriptionSession;

export interface AudioInputUpdate {
  format?: AudioFormatUpdate;
  noise_reduction?: NoiseReduction | null;
  transcription?: Transcription | null;
  turn_detection?: TurnDetectionUpdate | null;
}
export interface AudioOutputUpdate {
  format?: AudioFormatUpdate;
  voice?: Voice;
  speed?: number;
}

/** The `session` of a validated `session.update` for a realtime session. */
export interface RealtimeSessionUpdate {
  type: "realtime";
  model?: string;
  instructions?: string;
  output_modalities?: OutputModalities;
  tools?: Tool[];
  tool_choice?: ToolChoice;
  max_output_tokens?: MaxOutputTokens;
  tracing?: Tracing | null;
  truncation?: Truncation;
  prompt?: Prompt | null;
  include?: Include[] | null;
  audio?: { input?: AudioInputUpdate; output?: AudioOutputUpdate };
}

/** The `session` of a validated `session.update` for a transcription session. */
export interface TranscriptionSessionUpdate {
  type: "transcription";
  include?: Include[] | null;
  audio?: { input?: AudioInputUpdate };
}

export type SessionUpdate = RealtimeSessionUpdate | TranscriptionSessionUpdate;
