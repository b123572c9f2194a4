// This module is browser compatible.
/**
 * The turn detection the coach runs with, named once: the relay configures it when a session
 * starts, and the page restores it when push-to-talk is switched off. Server VAD with the
 * service's default threshold and prefix, but 500 ms of silence to end a turn (the service's
 * own default silence is 200 ms, which cuts people off mid-sentence), creating a response and
 * letting the user interrupt it.
 *
 * @module
 */

import { DEFAULT_PREFIX_PADDING_MS, DEFAULT_VAD_THRESHOLD } from "./realtime/session_defaults.ts";

export const COACH_TURN_DETECTION = {
  type: "server_vad",
  threshold: DEFAULT_VAD_THRESHOLD,
  prefix_padding_ms: DEFAULT_PREFIX_PADDING_MS,
  silence_duration_ms: 500,
  create_response: true,
  interrupt_response: true,
} as const;

/**
 * The longest message a user may type to the coach, in UTF-16 code units: the page caps its
 * text box here and the relay refuses a longer `input_text` item.
 */
export const MAX_TYPED_TEXT_CHARS = 2000;
