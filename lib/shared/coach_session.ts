// This module is browser compatible.
/**
 * The turn detection the coach runs with, named once: the relay configures it when a session
 * starts, and the page restores it when push-to-talk is switched off. Server VAD as the seed
 * chose it (threshold 0.5, 300 ms of prefix, 500 ms of silence ends a turn; the service's own
 * default silence is 200 ms, which cuts people off mid-sentence), creating a response and
 * letting the user interrupt it.
 *
 * @module
 */

export const COACH_TURN_DETECTION = {
  type: "server_vad",
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  create_response: true,
  interrupt_response: true,
} as const;
