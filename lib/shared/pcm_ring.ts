// This module is browser compatible.
/**
 * The latest audio of a session, kept to measure a span of it later: PCM16 samples in a ring
 * indexed by their position in the session's input (sample `n` sits at `n % capacity`), read
 * back as floats. The page keeps what it sent (its delivery cards) and the relay
 * what it forwarded (its delivery hints) in one each.
 *
 * ```ts
 * const ring = new PcmRing({ samples: 4 * 24_000, maxSamples: 30 * 24_000 });
 * ring.write(frame);                 // every frame, in order: no allocation
 * ring.reserve(samplesOfTheTurn);    // grows (doubling, up to maxSamples) when a turn needs it
 * analyzeDelivery(ring.read(start, end), 24_000);
 * ```
 *
 * The ring is allocated at the first write. `read()` returns a view of one float buffer shared
 * by every ring (grown to the longest span read): use it before the next `read()`, anywhere.
 *
 * @module
 */
import { BYTES_PER_SAMPLE } from "./audio_format.ts";
import { pcm16ToFloatInto } from "./pcm16.ts";

/** Options of {@linkcode PcmRing}. */
export interface PcmRingOptions {
  /** Samples the ring holds at first. */
  samples: number;
  /** Samples it may grow to with `reserve()`. @default {samples} */
  maxSamples?: number;
}

let scratch = new Float32Array(0);

/** See the module comment. */
export class PcmRing {
  #ring: Uint8Array | null = null;
  #capacity: number;
  #max: number;
  #written = 0;
  /** Samples held (the latest): at most the capacity, and after growth no more than before. */
  #held = 0;

  /** @throws {RangeError} when a size is not a positive integer, or the maximum is smaller */
  constructor({ samples, maxSamples = samples }: PcmRingOptions) {
    if (!Number.isSafeInteger(samples) || samples <= 0 || !Number.isSafeInteger(maxSamples)) {
      throw new RangeError(
        `Cannot create a PCM ring of ${samples} samples (at most ${maxSamples}): pass positive whole numbers`,
      );
    }
    if (maxSamples < samples) {
      throw new RangeError(
        `Cannot create a PCM ring of ${samples} samples growing to ${maxSamples}: the maximum must be at least the start`,
      );
    }
    this.#capacity = samples;
    this.#max = maxSamples;
  }

  /** Samples written since the start (or the last `restart()`). */
  get written(): number {
    return this.#written;
  }

  /** The first sample still held. */
  get oldest(): number {
    return this.#written - this.#held;
  }

  /** Samples the ring holds now. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes allocated (0 before the first write). */
  get bytes(): number {
    return this.#ring === null ? 0 : this.#ring.length;
  }

  /**
   * Keeps PCM16 bytes (little-endian, an even count); only the last ring's worth of a larger
   * write is kept.
   *
   * @throws {RangeError} when `pcm` has an odd length
   */
  write(pcm: Uint8Array): void {
    if (pcm.length % BYTES_PER_SAMPLE !== 0) {
      throw new RangeError(
        `Cannot keep audio: ${pcm.length} bytes is an odd length; PCM16 has 2 bytes per sample`,
      );
    }
    const ring = this.#ring ??= new Uint8Array(this.#capacity * BYTES_PER_SAMPLE);
    const bytes = pcm.length > ring.length ? pcm.subarray(pcm.length - ring.length) : pcm;
    const skipped = (pcm.length - bytes.length) / BYTES_PER_SAMPLE;
    const at = ((this.#written + skipped) % this.#capacity) * BYTES_PER_SAMPLE;
    const first = Math.min(bytes.length, ring.length - at);
    ring.set(first === bytes.length ? bytes : bytes.subarray(0, first), at);
    if (first < bytes.length) ring.set(bytes.subarray(first), 0);
    this.#written += pcm.length / BYTES_PER_SAMPLE;
    this.#held = Math.min(this.#capacity, this.#held + pcm.length / BYTES_PER_SAMPLE);
  }

  /**
   * Makes room for the latest `samples` (doubling, up to the maximum), keeping every sample
   * held in its place.
   */
  reserve(samples: number): void {
    let capacity = this.#capacity;
    while (capacity < samples && capacity < this.#max) capacity = Math.min(this.#max, capacity * 2);
    if (capacity === this.#capacity) return;
    const old = this.#ring;
    const oldCapacity = this.#capacity;
    this.#capacity = capacity;
    if (old === null) return;
    const ring = new Uint8Array(capacity * BYTES_PER_SAMPLE);
    for (let n = this.#written - this.#held; n < this.#written;) {
      const from = n % oldCapacity;
      const to = n % capacity;
      const count = Math.min(this.#written - n, oldCapacity - from, capacity - to);
      ring.set(
        old.subarray(from * BYTES_PER_SAMPLE, (from + count) * BYTES_PER_SAMPLE),
        to * BYTES_PER_SAMPLE,
      );
      n += count;
    }
    this.#ring = ring;
  }

  /** Positions count from 0 again (a new session); what is held is dropped. */
  restart(): void {
    this.#written = 0;
    this.#held = 0;
  }

  /**
   * Samples `[start, end)` as floats, within what is held (`oldest … written`): a view of the
   * shared buffer, empty when nothing of the span is held.
   */
  read(start: number, end: number): Float32Array {
    const to = Math.min(end, this.#written);
    const from = Math.max(start, this.oldest);
    const length = Math.max(0, to - from);
    if (scratch.length < length) {
      scratch = new Float32Array(Math.max(length, Math.ceil(scratch.length * 1.5)));
    }
    const out = scratch.subarray(0, length);
    if (length === 0 || this.#ring === null) return out.subarray(0, 0);
    const at = from % this.#capacity;
    const first = Math.min(length, this.#capacity - at);
    pcm16ToFloatInto(
      this.#ring.subarray(at * BYTES_PER_SAMPLE, (at + first) * BYTES_PER_SAMPLE),
      out,
    );
    if (first < length) {
      pcm16ToFloatInto(
        this.#ring.subarray(0, (length - first) * BYTES_PER_SAMPLE),
        out.subarray(first),
      );
    }
    return out;
  }
}
