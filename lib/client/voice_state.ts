/**
 * The one word the page shows for where a voice session is (`data-voice-state`), derived from
 * the flags the controller keeps. Pure: the same flags always give the same state.
 *
 * @module
 */
import type { ConnectionState } from "./relay_client.ts";

export type VoiceState =
  | "off"
  | "connecting"
  | "listening"
  | "user-speaking"
  | "assistant-speaking"
  | "reconnecting"
  | "error";

/** What the state is derived from. */
export interface SessionFlags {
  /** A session was started and not stopped. */
  running: boolean;
  /** A notice stands that needs the user before a new start (`isBlocking`). */
  blocked: boolean;
  connection: ConnectionState;
  /** The service confirmed the session (`session.updated`). */
  sessionReady: boolean;
  /** Server VAD hears speech. */
  userSpeaking: boolean;
  /** Push-to-talk is held. */
  talking: boolean;
  /** The assistant's audio is playing. */
  assistantPlaying: boolean;
}

/** The state for `flags`; the first rule that applies wins. */
export function voiceState(flags: SessionFlags): VoiceState {
  if (!flags.running) return flags.blocked ? "error" : "off";
  if (flags.connection === "failed") return "error";
  if (flags.connection === "reconnecting") return "reconnecting";
  if (!flags.sessionReady) return "connecting";
  if (flags.userSpeaking || flags.talking) return "user-speaking";
  if (flags.assistantPlaying) return "assistant-speaking";
  return "listening";
}
