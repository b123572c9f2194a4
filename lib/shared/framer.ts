// This module is browser compatible.
/**
 * Cuts a byte stream into frames of exactly `frameBytes` bytes (960 = 20 ms of 24 kHz PCM16).
 *
 * Bytes that do not fill a frame are kept for the next push, never dropped: bytes in equal
 * bytes out, whatever the push sizes. Each emitted frame is a fresh `Uint8Array` that owns its
 * buffer, so it can be transferred to another thread or queued without copying again.
 *
 * @module
 */

import { FRAME_BYTES } from "./audio_format.ts";

export class Framer {
  #frame: Uint8Array;
  #filled = 0;

  /** @param frameBytes bytes per frame, default 960 */
  constructor(frameBytes: number = FRAME_BYTES) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(
        `Cannot create Framer: frame size ${frameBytes} is not a positive integer`,
      );
    }
    this.#frame = new Uint8Array(frameBytes);
  }

  /** Bytes per frame. */
  get frameBytes(): number {
    return this.#frame.length;
  }

  /** Bytes waiting for the next frame. */
  get pending(): number {
    return this.#filled;
  }

  /** Appends `bytes` and returns every frame completed by them, oldest first. */
  push(bytes: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.pushEach(bytes, (frame) => frames.push(frame));
    return frames;
  }

  /** Like {@linkcode push}, but hands each completed frame to `onFrame` (no array made). */
  pushEach(bytes: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    const size = this.#frame.length;
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(size - this.#filled, bytes.length - offset);
      // A plain loop, not set(subarray()): no view object per push on the audio thread.
      const frame = this.#frame;
      for (let i = 0, at = this.#filled; i < take; i++) frame[at + i] = bytes[offset + i];
      this.#filled += take;
      offset += take;
      if (this.#filled === size) {
        onFrame(this.#frame);
        this.#frame = new Uint8Array(size);
        this.#filled = 0;
      }
    }
  }

  /** Returns the pending bytes (shorter than a frame) and forgets them. */
  flush(): Uint8Array {
    const rest = this.#frame.slice(0, this.#filled);
    this.#filled = 0;
    return rest;
  }
}
