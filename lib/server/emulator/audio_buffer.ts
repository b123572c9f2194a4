/**
 * The input audio buffer of an emulated session: 24 kHz mono PCM16 appended by the client,
 * addressed by milliseconds of audio appended since the session began (the clock the
 * Realtime API's `audio_start_ms` / `audio_end_ms` use).
 *
 * Appends are kept as the chunks they arrived in (no copy) until a commit takes them; a
 * commit copies once into one array. Positions are rounded to whole samples.
 *
 * @module
 */

import { BYTES_PER_MS, BYTES_PER_SAMPLE } from "../../shared/audio_format.ts";

const SAMPLES_PER_MS = BYTES_PER_MS / BYTES_PER_SAMPLE;

/** Byte position of `ms` on the session clock, on a sample boundary. */
export function msToBytePosition(ms: number): number {
  return Math.max(0, Math.round(ms * SAMPLES_PER_MS)) * BYTES_PER_SAMPLE;
}

/** Buffered input audio between the last commit (or clear) and the latest append. */
export class InputAudioBuffer {
  #chunks: Uint8Array[] = [];
  /** Bytes of `#chunks[0]` already taken or dropped. */
  #headOffset = 0;
  /** Session byte position of the first byte held. */
  #start = 0;
  /** Session byte position after the last byte appended: everything ever appended. */
  #end = 0;

  /** Ms of audio appended since the session began. */
  get appendedMs(): number {
    return this.#end / BYTES_PER_MS;
  }

  /** Session ms of the first byte held. */
  get startMs(): number {
    return this.#start / BYTES_PER_MS;
  }

  /** Ms of audio held. */
  get lengthMs(): number {
    return (this.#end - this.#start) / BYTES_PER_MS;
  }

  /** Bytes of audio held. */
  get byteLength(): number {
    return this.#end - this.#start;
  }

  /** Adds audio (kept by reference: do not modify `bytes` afterwards). */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#end += bytes.length;
  }

  /** Discards held audio before session time `ms` (a turn's start, prefix padding included). */
  dropBefore(ms: number): void {
    const position = Math.min(msToBytePosition(ms), this.#end);
    if (position > this.#start) this.#consume(position - this.#start, false);
  }

  /**
   * Removes and returns the held audio up to session time `untilMs` (everything when
   * omitted), in one array; what follows stays in the buffer.
   */
  take(untilMs?: number): Uint8Array {
    const position = untilMs === undefined
      ? this.#end
      : Math.min(Math.max(msToBytePosition(untilMs), this.#start), this.#end);
    return this.#consume(position - this.#start, true);
  }

  /** Discards everything held (the session clock keeps counting). */
  clear(): void {
    this.#chunks = [];
    this.#headOffset = 0;
    this.#start = this.#end;
  }

  #consume(count: number, copy: true): Uint8Array;
  #consume(count: number, copy: false): undefined;
  #consume(count: number, copy: boolean): Uint8Array | undefined {
    const out = copy ? new Uint8Array(count) : undefined;
    let written = 0;
    while (written < count) {
      const head = this.#chunks[0];
      const available = head.length - this.#headOffset;
      const n = Math.min(available, count - written);
      out?.set(head.subarray(this.#headOffset, this.#headOffset + n), written);
      written += n;
      if (n === available) {
        this.#chunks.shift();
        this.#headOffset = 0;
      } else {
        this.#headOffset += n;
      }
    }
    this.#start += count;
    return out;
  }
}
