// This module is browser compatible.
/**
 * Limits the Realtime service enforces, named once for the client and the emulator
 * (docs/protocol.md §7.4).
 *
 * @module
 */

/**
 * The least audio an `input_audio_buffer.commit` accepts, in milliseconds: it counts all audio
 * appended since the last commit, silence included. A shorter buffer gets the
 * `input_audio_buffer_commit_empty` error and no `committed` event.
 */
export const MIN_COMMIT_MS = 100;
