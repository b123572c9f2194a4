// This module is browser compatible.
/**
 * The audio format on the wire, named once for both sides: 24 kHz mono PCM16 little-endian,
 * cut into 20 ms frames (docs/protocol.md §5.1–§5.2; one frame per append is this project's own wire contract, §5.3).
 *
 * @module
 */

/** The only rate the Realtime GA `audio/pcm` format accepts. */
export const WIRE_SAMPLE_RATE = 24_000;
/** Mono. */
export const WIRE_CHANNELS = 1;
/** PCM16: two bytes per sample, little-endian. */
export const BYTES_PER_SAMPLE = 2;
/** One append carries one 20 ms frame. */
export const FRAME_MS = 20;
/** 480 samples per 20 ms frame at 24 kHz. */
export const FRAME_SAMPLES = (WIRE_SAMPLE_RATE * FRAME_MS) / 1000;
/** 960 bytes per 20 ms frame. */
export const FRAME_BYTES = FRAME_SAMPLES * BYTES_PER_SAMPLE;
/** Bytes of wire audio per millisecond (48). */
export const BYTES_PER_MS = (WIRE_SAMPLE_RATE * BYTES_PER_SAMPLE) / 1000;
/** Web Audio renders in blocks of 128 frames. */
export const RENDER_QUANTUM_FRAMES = 128;

/** Milliseconds of wire audio in `bytes` bytes of PCM16. */
export function bytesToMs(bytes: number): number {
  return bytes / BYTES_PER_MS;
}
