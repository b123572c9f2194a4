/**
 * The capture worklet's signal path, as plain code that Deno tests can drive: mix any number of
 * channels to mono, resample the context rate to 24 kHz (shared `Resampler`), pack to PCM16
 * (shared `floatToPcm16Into`) and cut exact 960-byte frames (shared `Framer`), handing each
 * frame on the moment its last sample is in.
 *
 * Real-time budget: every buffer is allocated in the constructor (or the first time a longer
 * block than ever before arrives, which a worklet never does after its first 128-frame
 * quantum), and the exact-length views the shared functions take are cached per length. What
 * is allocated per frame, 50 times a second, is the frame itself: `Framer` hands out a fresh
 * `Uint8Array` that owns its buffer, so the worklet can transfer it to the main thread and the
 * receiver may keep it. (The shared `Framer.pushEach` also makes one `subarray` view per push;
 * that small object is the only per-quantum allocation left, and it lives in the shared module.)
 *
 * Exactness: the resampler is streaming and the framer keeps its remainder, so the frames,
 * concatenated, are exactly the 24 kHz stream of everything pushed: nothing lost or repeated.
 *
 * @module
 */

import {
  FRAME_BYTES,
  FRAME_SAMPLES,
  RENDER_QUANTUM_FRAMES,
  WIRE_SAMPLE_RATE,
} from "../shared/audio_format.ts";
import { Framer } from "../shared/framer.ts";
import { floatToPcm16Into } from "../shared/pcm16.ts";
import { Resampler } from "../shared/resampler.ts";

/** Receives each frame and the context time, in seconds, of its last sample. */
export type FrameSink = (frame: Uint8Array, time: number) => void;

export class CapturePipeline {
  /** The context (input) rate, in Hz. */
  readonly inputRate: number;
  readonly #resampler: Resampler;
  readonly #framer = new Framer(FRAME_BYTES);
  #mono: Float32Array;
  #resampled: Float32Array;
  #pcm: Int16Array;
  /** Exact-length views, cached by length: `#monoViews[n]` is `#mono.subarray(0, n)`. */
  #monoViews: Float32Array[] = [];
  #resampledViews: Float32Array[] = [];
  #byteViews: Uint8Array[] = [];
  /** The mono view of the latest block, for metering. */
  #lastMono: Float32Array = new Float32Array(0);
  /** 24 kHz samples handed to the framer before the current block. */
  #pushed = 0;
  #frames = 0;
  /** The block being framed: its output count, the time of its newest input sample. */
  #blockCount = 0;
  #blockTime = 0;
  #sink: FrameSink | null = null;
  readonly #delaySeconds: number;
  /** One bound callback for `Framer.pushEach`, made once. */
  readonly #onFrame = (frame: Uint8Array): void => {
    this.#frames++;
    // Index, within this block's output, of the frame's last sample.
    const p = this.#frames * FRAME_SAMPLES - 1 - this.#pushed;
    const time = this.#blockTime - (this.#blockCount - 1 - p) / WIRE_SAMPLE_RATE -
      this.#delaySeconds;
    this.#sink!(frame, time);
  };

  /**
   * @param inputRate the AudioContext's rate, in Hz
   * @throws {RangeError} If the shared `Resampler` does not support `inputRate`.
   */
  constructor(inputRate: number) {
    this.inputRate = inputRate;
    this.#resampler = new Resampler(inputRate, WIRE_SAMPLE_RATE);
    this.#delaySeconds = this.#resampler.delayMs / 1000;
    this.#mono = new Float32Array(RENDER_QUANTUM_FRAMES);
    const maxOut = this.#resampler.maxOutputLength(RENDER_QUANTUM_FRAMES);
    this.#resampled = new Float32Array(maxOut);
    this.#pcm = new Int16Array(maxOut);
  }

  /** Complete frames produced so far. */
  get frames(): number {
    return this.#frames;
  }

  /** 24 kHz samples waiting for the next frame. */
  get pendingSamples(): number {
    return this.#framer.pending / 2;
  }

  /** Delay added by the resampler, in ms. */
  get delayMs(): number {
    return this.#resampler.delayMs;
  }

  /** The latest block mixed to mono (valid until the next call), for a level meter. */
  get lastMono(): Float32Array {
    return this.#lastMono;
  }

  /**
   * Takes one block of input (`channels`, all of one length; an empty list is ignored) whose
   * first sample is at context time `time`, and passes every frame it completes to `sink`.
   * Returns the number of frames completed.
   */
  process(channels: readonly Float32Array[], time: number, sink: FrameSink): number {
    const first = channels[0];
    if (first === undefined || first.length === 0) return 0;
    const n = first.length;
    const mono = channels.length === 1 ? first : this.#mix(channels, n);
    this.#lastMono = mono;
    if (this.#resampler.maxOutputLength(n) > this.#resampled.length) this.#growOutput(n);
    const count = this.#resampler.processInto(mono, this.#resampled);
    if (count === 0) return 0;
    floatToPcm16Into(
      this.#resampledViews[count] ??= this.#resampled.subarray(0, count),
      this.#pcm,
    );
    const bytes = this.#byteViews[count] ??= new Uint8Array(this.#pcm.buffer, 0, 2 * count);
    const before = this.#frames;
    this.#blockCount = count;
    this.#blockTime = time + (n - 1) / this.inputRate;
    this.#sink = sink;
    this.#framer.pushEach(bytes, this.#onFrame);
    this.#sink = null;
    this.#pushed += count;
    return this.#frames - before;
  }

  /** Averages the channels into the mono buffer; returns the exact-length view. */
  #mix(channels: readonly Float32Array[], n: number): Float32Array {
    if (this.#mono.length < n) {
      this.#mono = new Float32Array(n);
      this.#monoViews = [];
    }
    const mono = this.#mono;
    const c = channels.length;
    const first = channels[0];
    for (let i = 0; i < n; i++) mono[i] = first[i];
    for (let ch = 1; ch < c; ch++) {
      const data = channels[ch];
      for (let i = 0; i < n; i++) mono[i] += data[i];
    }
    const scale = 1 / c;
    for (let i = 0; i < n; i++) mono[i] *= scale;
    return this.#monoViews[n] ??= mono.subarray(0, n);
  }

  #growOutput(n: number): void {
    const maxOut = this.#resampler.maxOutputLength(n);
    this.#resampled = new Float32Array(maxOut);
    this.#pcm = new Int16Array(maxOut);
    this.#resampledViews = [];
    this.#byteViews = [];
  }
}
