/**
 * A single-threaded ring buffer of float samples: the playback worklet's jitter buffer.
 *
 * Assumptions (as web-audio-samples' `RingBuffer` states its own): one channel; one thread
 * (the worklet's); writes come from port messages, reads from `process()` in render quanta.
 *
 * Overflow policy: unread samples are never overwritten or dropped to make room. A write that
 * does not fit grows the buffer (doubling, copied in order) up to `maxCapacity`; this happens
 * in the message handler, never in a read. Only at `maxCapacity` is a write cut short, and
 * `write()` returns how many samples it took so the caller can count the rest as lost.
 * Assistant audio arrives faster than real time, so a whole long answer may sit here.
 *
 * Reads, skips and fades allocate nothing.
 *
 * @module
 */

export interface RingBufferOptions {
  /**
   * Largest capacity the buffer may grow to, in samples.
   * @default the initial capacity (no growth)
   */
  maxCapacity?: number;
}

export class RingBuffer {
  #data: Float32Array;
  /** Largest capacity the buffer may grow to. */
  readonly maxCapacity: number;
  /** Index of the oldest unread sample. */
  #head = 0;
  /** Unread samples. */
  #size = 0;

  /**
   * @param capacity initial capacity, in samples
   * @throws {RangeError} If a capacity is not a positive integer, or `maxCapacity < capacity`.
   */
  constructor(capacity: number, options: RingBufferOptions = {}) {
    const maxCapacity = options.maxCapacity ?? capacity;
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new RangeError(
        `Cannot create ring buffer: capacity ${capacity} is not a positive integer`,
      );
    }
    if (!Number.isSafeInteger(maxCapacity) || maxCapacity < capacity) {
      throw new RangeError(
        `Cannot create ring buffer: maxCapacity ${maxCapacity} is not an integer of at least ` +
          `the capacity ${capacity}`,
      );
    }
    this.#data = new Float32Array(capacity);
    this.maxCapacity = maxCapacity;
  }

  /** Samples the buffer holds without growing. */
  get capacity(): number {
    return this.#data.length;
  }

  /** Unread samples. */
  get available(): number {
    return this.#size;
  }

  /** Samples that can still be written, growth included. */
  get free(): number {
    return this.maxCapacity - this.#size;
  }

  /**
   * Appends `samples[offset, offset + count)`, growing the buffer if needed. Returns how many
   * were written: all of them unless the buffer is at its maximum capacity.
   */
  write(samples: Float32Array, offset = 0, count: number = samples.length - offset): number {
    if (offset < 0 || count < 0 || offset + count > samples.length) {
      throw new RangeError(
        `Cannot write to ring buffer: range ${offset}+${count} is outside the ${samples.length} ` +
          "samples given",
      );
    }
    const n = Math.min(count, this.maxCapacity - this.#size);
    if (this.#size + n > this.#data.length) this.#grow(this.#size + n);
    const data = this.#data;
    const cap = data.length;
    let tail = this.#head + this.#size;
    if (tail >= cap) tail -= cap;
    const first = Math.min(n, cap - tail);
    for (let i = 0; i < first; i++) data[tail + i] = samples[offset + i];
    for (let i = first; i < n; i++) data[i - first] = samples[offset + i];
    this.#size += n;
    return n;
  }

  /**
   * Moves up to `count` unread samples into `out` from index `offset`; returns how many.
   */
  read(out: Float32Array, offset = 0, count: number = out.length - offset): number {
    const n = Math.min(count, this.#size, out.length - offset);
    const data = this.#data;
    const cap = data.length;
    const head = this.#head;
    const first = Math.min(n, cap - head);
    for (let i = 0; i < first; i++) out[offset + i] = data[head + i];
    for (let i = first; i < n; i++) out[offset + i] = data[i - first];
    this.#advance(n);
    return n;
  }

  /** Discards up to `count` unread samples; returns how many. */
  discard(count: number): number {
    const n = Math.max(0, Math.min(count, this.#size));
    this.#advance(n);
    return n;
  }

  /**
   * Keeps only the next `count` unread samples, scaled by a linear ramp from just below 1 down
   * to 0 on the last one, and drops everything after them: a click-free stop. Returns how many
   * samples were kept (fewer than `count` when fewer are buffered).
   */
  fadeOut(count: number): number {
    const n = Math.max(0, Math.min(Math.floor(count), this.#size));
    const data = this.#data;
    const cap = data.length;
    for (let i = 0; i < n; i++) {
      let index = this.#head + i;
      if (index >= cap) index -= cap;
      data[index] *= (n - 1 - i) / n;
    }
    this.#size = n;
    return n;
  }

  /** Drops every unread sample. */
  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }

  #advance(n: number): void {
    this.#size -= n;
    this.#head = this.#size === 0 ? 0 : (this.#head + n) % this.#data.length;
  }

  /** Reallocates to hold at least `needed` samples, unread samples moved to the front. */
  #grow(needed: number): void {
    const capacity = Math.min(this.maxCapacity, Math.max(needed, 2 * this.#data.length));
    const data = new Float32Array(capacity);
    const size = this.#size;
    this.read(data, 0, size);
    this.#data = data;
    this.#head = 0;
    this.#size = size;
  }
}
