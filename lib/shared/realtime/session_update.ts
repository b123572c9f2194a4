// This module is browser compatible.
/**
 * A `session.update` on a live session (docs/protocol.md §4.2): the validator that also
 * refuses what GA refuses once a session has started, and the merge of a validated partial
 * update into the current session, defaults filled in.
 *
 * @module
 */

import { WIRE_SAMPLE_RATE } from "../audio_format.ts";
import { InvalidRequestError, type RequestProblem } from "./readers.ts";
import type {
  AudioFormat,
  AudioFormatUpdate,
  AudioInput,
  AudioInputUpdate,
  AudioOutput,
  AudioOutputUpdate,
  RealtimeSession,
  RealtimeSessionUpdate,
  Session,
  SessionUpdate,
  TranscriptionSession,
  TurnDetection,
  TurnDetectionUpdate,
} from "./session.ts";
import { defaultServerVad } from "./session_defaults.ts";
import { readSessionUpdate } from "./session_readers.ts";

/** Options of {@linkcode validateSessionUpdate}. */
export interface SessionUpdateOptions {
  /**
   * Whether the session has already produced assistant audio, after which GA refuses to
   * change the voice (`cannot_update_voice`).
   * @default {false}
   */
  voiceLocked?: boolean;
}

export type SessionUpdateResult =
  | { ok: true; update: SessionUpdate }
  | { ok: false; problem: RequestProblem };

/**
 * Validates the `session` object of a `session.update`.
 *
 * Without `current` only the shape is checked (what `parseClientEvent` does). With the
 * session's current state it also refuses what GA refuses on a live session: switching
 * between realtime and transcription, changing the model (modelled), and changing the voice
 * once `options.voiceLocked`. A rejected update must be discarded whole.
 */
export function validateSessionUpdate(
  session: unknown,
  current?: Session,
  options: SessionUpdateOptions = {},
): SessionUpdateResult {
  try {
    const update = readSessionUpdate(session, "session");
    if (current) checkAgainstCurrent(update, current, options);
    return { ok: true, update };
  } catch (error) {
    if (error instanceof InvalidRequestError) return { ok: false, problem: error.toProblem() };
    throw error;
  }
}

function checkAgainstCurrent(
  update: SessionUpdate,
  current: Session,
  options: SessionUpdateOptions,
): void {
  if (update.type !== current.type) {
    // The realtime direction is the reported GA text; the reverse is modelled on it.
    throw new InvalidRequestError(
      "invalid_parameter",
      `Passing a ${update.type} session update event to a ${current.type} session is not allowed.`,
      "session.type",
    );
  }
  if (update.type !== "realtime" || current.type !== "realtime") return;
  if (update.model !== undefined && update.model !== current.model) {
    // Modelled: GA documents that the model cannot change but no capture shows the error.
    throw new InvalidRequestError(
      "invalid_value",
      "Cannot update a conversation's model once the session has started.",
      "session.model",
    );
  }
  const voice = update.audio?.output?.voice;
  if (options.voiceLocked && voice !== undefined && voice !== current.audio.output.voice) {
    throw new InvalidRequestError(
      "cannot_update_voice",
      "Cannot update a conversation's voice if assistant audio is present.",
      "session.audio.output.voice",
    );
  }
}

/**
 * Applies a validated partial update: fields present in `update` replace the current ones
 * (`null`, `""` and `[]` clear), `audio`, `audio.input` and `audio.output` merge field by
 * field, and a sent `turn_detection` or `format` is taken whole with its defaults filled in.
 *
 * Returns a new session; `current` is not modified. Values taken from `update` are shared,
 * not copied, so treat both as immutable.
 *
 * @throws {TypeError} when the update is for the other kind of session
 */
export function mergeSessionUpdate(
  current: RealtimeSession,
  update: SessionUpdate,
): RealtimeSession;
export function mergeSessionUpdate(
  current: TranscriptionSession,
  update: SessionUpdate,
): TranscriptionSession;
export function mergeSessionUpdate(current: Session, update: SessionUpdate): Session;
export function mergeSessionUpdate(current: Session, update: SessionUpdate): Session {
  if (update.type !== current.type) {
    throw new TypeError(
      `Cannot merge session update: a ${update.type} update does not apply to a ${current.type} session`,
    );
  }
  const input = update.audio?.input
    ? mergeAudioInput(current.audio.input, update.audio.input)
    : { ...current.audio.input };
  const include = update.include !== undefined ? update.include : current.include;
  if (current.type === "transcription") {
    return { ...current, audio: { input }, include };
  }
  const patch = update as RealtimeSessionUpdate;
  const output = mergeAudioOutput(current.audio.output, patch.audio?.output ?? {});
  const next: RealtimeSession = { ...current, audio: { input, output }, include };
  if (patch.model !== undefined) next.model = patch.model;
  if (patch.instructions !== undefined) next.instructions = patch.instructions;
  if (patch.output_modalities !== undefined) next.output_modalities = patch.output_modalities;
  if (patch.tools !== undefined) next.tools = patch.tools;
  if (patch.tool_choice !== undefined) next.tool_choice = patch.tool_choice;
  if (patch.max_output_tokens !== undefined) next.max_output_tokens = patch.max_output_tokens;
  if (patch.tracing !== undefined) next.tracing = patch.tracing;
  if (patch.truncation !== undefined) next.truncation = patch.truncation;
  if (patch.prompt !== undefined) next.prompt = patch.prompt;
  return next;
}

function mergeAudioInput(current: AudioInput, update: AudioInputUpdate): AudioInput {
  return {
    format: update.format ? resolveFormat(update.format) : current.format,
    transcription: update.transcription !== undefined
      ? update.transcription
      : current.transcription,
    noise_reduction: update.noise_reduction !== undefined
      ? update.noise_reduction
      : current.noise_reduction,
    turn_detection: update.turn_detection !== undefined
      ? resolveTurnDetection(update.turn_detection)
      : current.turn_detection,
  };
}

function mergeAudioOutput(current: AudioOutput, update: AudioOutputUpdate): AudioOutput {
  return {
    format: update.format ? resolveFormat(update.format) : current.format,
    voice: update.voice ?? current.voice,
    speed: update.speed ?? current.speed,
  };
}

/** A sent format with its defaults filled in. */
export function resolveFormat(format: AudioFormatUpdate): AudioFormat {
  if (format.type === "audio/pcmu" || format.type === "audio/pcma") return { type: format.type };
  return { type: "audio/pcm", rate: WIRE_SAMPLE_RATE };
}

/** A sent turn detection with its defaults filled in. */
export function resolveTurnDetection(update: TurnDetectionUpdate | null): TurnDetection | null {
  if (update === null) return null;
  switch (update.type) {
    case "server_vad":
      return { ...defaultServerVad(), ...update };
    case "semantic_vad":
      return {
        type: "semantic_vad",
        eagerness: update.eagerness ?? "auto",
        create_response: update.create_response ?? true,
        interrupt_response: update.interrupt_response ?? true,
      };
    default: {
      const unknown: never = update;
      throw new TypeError(
        `Cannot resolve turn detection: unknown type in ${JSON.stringify(unknown)}`,
      );
    }
  }
}
