/**
 * Adaptive pre-roll for assistant playback: how much audio must be buffered before an item
 * starts (or restarts after an underrun).
 *
 * - An item starts once `preRollMs` is buffered (100 ms at first), or at once when the item
 *   has ended: its last partial buffer never waits for a pre-roll it can no longer reach.
 * - Each underrun (the buffer ran dry while the item still streamed) adds `growMs` (40 ms),
 *   up to `maxMs` (300 ms): the network has shown it can stall that long.
 * - Each item that drains without an underrun takes `shrinkMs` (10 ms) back off, down to the
 *   initial value, so one bad moment does not cost latency for the rest of the session.
 *
 * Pure logic, in samples at the output rate; the playback worklet owns one instance.
 *
 * @module
 */

export interface JitterPolicyOptions {
  /** Initial (and smallest) pre-roll, in ms. @default 100 */
  preRollMs?: number;
  /** Added after each underrun, in ms. @default 40 */
  growMs?: number;
  /** Largest pre-roll, in ms. @default 300 */
  maxMs?: number;
  /** Taken off after each item played without an underrun, in ms. @default 10 */
  shrinkMs?: number;
}

export const DEFAULT_PRE_ROLL_MS = 100;
export const DEFAULT_PRE_ROLL_GROW_MS = 40;
export const DEFAULT_MAX_PRE_ROLL_MS = 300;
export const DEFAULT_PRE_ROLL_SHRINK_MS = 10;

export class JitterPolicy {
  readonly #sampleRate: number;
  readonly #minSamples: number;
  readonly #growSamples: number;
  readonly #maxSamples: number;
  readonly #shrinkSamples: number;
  #preRoll: number;
  #underruns = 0;

  /**
   * @param sampleRate output rate, in Hz
   * @throws {RangeError} If the rate is not positive, a duration is negative, or
   * `preRollMs > maxMs`.
   */
  constructor(sampleRate: number, options: JitterPolicyOptions = {}) {
    const preRollMs = options.preRollMs ?? DEFAULT_PRE_ROLL_MS;
    const growMs = options.growMs ?? DEFAULT_PRE_ROLL_GROW_MS;
    const maxMs = options.maxMs ?? Math.max(DEFAULT_MAX_PRE_ROLL_MS, preRollMs);
    const shrinkMs = options.shrinkMs ?? DEFAULT_PRE_ROLL_SHRINK_MS;
    if (!(sampleRate > 0)) {
      throw new RangeError(
        `Cannot create jitter policy: sample rate ${sampleRate} is not positive`,
      );
    }
    for (const [name, value] of Object.entries({ preRollMs, growMs, maxMs, shrinkMs })) {
      if (!(value >= 0) || !Number.isFinite(value)) {
        throw new RangeError(`Cannot create jitter policy: ${name} ${value} is not a duration`);
      }
    }
    if (preRollMs > maxMs) {
      throw new RangeError(
        `Cannot create jitter policy: preRollMs ${preRollMs} exceeds maxMs ${maxMs}`,
      );
    }
    this.#sampleRate = sampleRate;
    this.#minSamples = toSamples(preRollMs, sampleRate);
    this.#growSamples = toSamples(growMs, sampleRate);
    this.#maxSamples = toSamples(maxMs, sampleRate);
    this.#shrinkSamples = toSamples(shrinkMs, sampleRate);
    this.#preRoll = this.#minSamples;
  }

  /** Samples that must be buffered before an item (re)starts. */
  get preRollSamples(): number {
    return this.#preRoll;
  }

  /** The same in ms. */
  get preRollMs(): number {
    return this.#preRoll / this.#sampleRate * 1000;
  }

  /** Underruns reported so far. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Whether an item with `buffered` samples queued (and `ended` or not) may start playing. */
  canStart(buffered: number, ended: boolean): boolean {
    return buffered > 0 && (ended || buffered >= this.#preRoll);
  }

  /** Records an underrun and grows the pre-roll; returns the underrun count. */
  underrun(): number {
    this.#preRoll = Math.min(this.#maxSamples, this.#preRoll + this.#growSamples);
    return ++this.#underruns;
  }

  /** Records an item played to its end; `clean` when it had no underrun. */
  drained(clean: boolean): void {
    if (clean) this.#preRoll = Math.max(this.#minSamples, this.#preRoll - this.#shrinkSamples);
  }
}

function toSamples(ms: number, sampleRate: number): number {
  return Math.round(ms * sampleRate / 1000);
}
