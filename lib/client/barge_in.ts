/**
 * Barge-in arithmetic: how much of the assistant's item the user actually heard.
 *
 * @module
 */

/**
 * `audio_end_ms` for `conversation.item.truncate`: the audio of the item the player has
 * rendered, minus what is still inside the output device (`outputLatencyMs`, not yet heard),
 * clamped to [0, received] and rounded down to an integer as the API requires. Truncating by
 * wall clock instead overshoots whenever audio arrived faster than real time, and the service
 * rejects an `audio_end_ms` past the audio it sent.
 */
export function truncateEndMs(
  playedMs: number,
  outputLatencyMs: number,
  receivedMs: number,
): number {
  const heard = playedMs - Math.max(0, outputLatencyMs);
  return Math.max(0, Math.min(Math.floor(heard), Math.floor(receivedMs)));
}
