/**
 * The playback worklet's logic, as plain code that Deno tests can drive: a queue of items
 * (assistant audio, already at the output rate) in one {@linkcode RingBuffer}, started under the
 * {@linkcode JitterPolicy}'s adaptive pre-roll, with samples played counted per item so a
 * barge-in can truncate the conversation item at what was heard (as wavtools' stream processor
 * counts per `trackId`).
 *
 * The queue holds items back to back in the ring, each tracked by a segment (item id, samples
 * still queued, ended or not). Only the head segment plays:
 *
 * - `waiting`: silence until the pre-roll is buffered, or the item has ended;
 * - `playing`: samples out, counted; running dry while the item still streams is an underrun
 *   (counted, pre-roll grown, back to `waiting`); running dry after `endItem` drains the item
 *   and the next one goes on in the same quantum, without a gap if it is ready.
 *
 * `flush()` (barge-in) keeps the next `fadeMs` of the playing item, ramped down to 0, drops
 * everything else, and reports the item's played samples with the fade included.
 *
 * Real-time budget: `render()` allocates nothing; segments are created when an item's first
 * samples arrive (in the message handler) and events are reported through callbacks.
 *
 * @module
 */

import { JitterPolicy, type JitterPolicyOptions } from "./jitter_policy.ts";
import { RingBuffer } from "./ring_buffer.ts";

/** What the engine reports while rendering. Callbacks run inside `render()`. */
export interface PlaybackEvents {
  /** The item's first sample is at index `offset` of the block being rendered. */
  started?(itemId: string, offset: number): void;
  /** The item's last sample is before index `offset` of the block being rendered. */
  drained?(itemId: string, playedSamples: number, offset: number): void;
  /** The item ran dry at index `offset` while still streaming. */
  underrun?(itemId: string, count: number, playedSamples: number, offset: number): void;
}

export interface PlaybackEngineOptions extends JitterPolicyOptions {
  /** Fade applied by {@linkcode PlaybackEngine.flush}, in ms, at most 10. @default 5 */
  fadeMs?: number;
  /** Initial ring capacity, in seconds of output. @default 4 */
  capacitySeconds?: number;
  /** Largest ring capacity, in seconds of output; beyond it samples are dropped. @default 600 */
  maxCapacitySeconds?: number;
  /** Played counts remembered for finished items. @default 32 */
  rememberItems?: number;
}

export const DEFAULT_FADE_MS = 5;
export const MAX_FADE_MS = 10;

/** What a flush stopped. */
export interface FlushResult {
  /** The item that was at the head of the queue, or `null` when nothing was queued. */
  itemId: string | null;
  /** Its samples played, the fade included. */
  playedSamples: number;
}

interface Segment {
  itemId: string;
  /** Samples of this item still in the ring. */
  queued: number;
  ended: boolean;
  started: boolean;
  /** No underrun so far. */
  clean: boolean;
  /** Stopped by a flush: it ends without a `drained` event. */
  flushed: boolean;
}

export class PlaybackEngine {
  /** Output rate, in Hz. */
  readonly sampleRate: number;
  readonly #ring: RingBuffer;
  readonly #policy: JitterPolicy;
  readonly #events: PlaybackEvents;
  readonly #fadeSamples: number;
  readonly #remember: number;
  /** Queued items, oldest (playing) first. */
  #segments: Segment[] = [];
  #playing = false;
  /** Played samples of the head item, then of finished items (insertion order = age). */
  #played = new Map<string, number>();
  #headPlayed = 0;
  /** Samples refused (see {@linkcode droppedSamples}). */
  #dropped = 0;

  /**
   * @param sampleRate output rate, in Hz
   * @throws {RangeError} For options out of range.
   */
  constructor(
    sampleRate: number,
    options: PlaybackEngineOptions = {},
    events: PlaybackEvents = {},
  ) {
    const fadeMs = options.fadeMs ?? DEFAULT_FADE_MS;
    if (!(fadeMs >= 0 && fadeMs <= MAX_FADE_MS)) {
      throw new RangeError(
        `Cannot create playback engine: fadeMs ${fadeMs} is not from 0 to ${MAX_FADE_MS}`,
      );
    }
    this.sampleRate = sampleRate;
    this.#policy = new JitterPolicy(sampleRate, options);
    this.#fadeSamples = Math.round(fadeMs * sampleRate / 1000);
    const capacity = Math.ceil((options.capacitySeconds ?? 4) * sampleRate);
    const maxCapacity = Math.max(
      capacity,
      Math.ceil((options.maxCapacitySeconds ?? 600) * sampleRate),
    );
    this.#ring = new RingBuffer(capacity, { maxCapacity });
    this.#events = events;
    this.#remember = options.rememberItems ?? 32;
  }

  /** Samples queued, all items. */
  get depthSamples(): number {
    return this.#ring.available;
  }

  /** Current pre-roll, in samples. */
  get preRollSamples(): number {
    return this.#policy.preRollSamples;
  }

  /** Underruns so far. */
  get underruns(): number {
    return this.#policy.underruns;
  }

  /** Samples refused: the ring was at its largest, or their item could no longer take any. */
  get droppedSamples(): number {
    return this.#dropped;
  }

  /** The item at the head of the queue. */
  get currentItemId(): string | null {
    return this.#segments[0]?.itemId ?? null;
  }

  /** Whether the head item is audible now (not waiting for its pre-roll). */
  get playing(): boolean {
    return this.#playing;
  }

  /** Samples played of the head item. */
  get currentPlayedSamples(): number {
    return this.#segments.length > 0 ? this.#headPlayed : 0;
  }

  /** Samples played of `itemId`, or `null` for an unknown (or long forgotten) item. */
  playedSamples(itemId: string): number | null {
    if (this.#segments[0]?.itemId === itemId) return this.#headPlayed;
    return this.#played.get(itemId) ?? (this.#find(itemId) ? 0 : null);
  }

  /** Appends samples to `itemId`; a new id queues a new item after the others. */
  enqueue(itemId: string, samples: Float32Array): void {
    if (samples.length === 0) return;
    const last = this.#segments.at(-1);
    let segment: Segment;
    if (last !== undefined && last.itemId === itemId && !last.ended) {
      segment = last;
    } else {
      // Items play one after another: samples for an item that has ended, was flushed, or has
      // another queued after it cannot be placed, and are dropped (counted).
      if (this.#find(itemId) || this.#played.has(itemId)) {
        this.#dropped += samples.length;
        return;
      }
      segment = { itemId, queued: 0, ended: false, started: false, clean: true, flushed: false };
      this.#segments.push(segment);
      if (this.#segments.length === 1) this.#headPlayed = 0;
    }
    const written = this.#ring.write(samples);
    segment.queued += written;
    this.#dropped += samples.length - written;
  }

  /** No more samples will come for `itemId`: what is buffered plays without pre-roll. */
  endItem(itemId: string): void {
    const segment = this.#find(itemId);
    if (segment !== undefined) segment.ended = true;
  }

  /**
   * Barge-in: keeps the next {@linkcode PlaybackEngineOptions.fadeMs} of the playing item,
   * faded to silence, and drops everything else queued. Returns what of the head item was
   * played, counting the fade as played.
   */
  flush(): FlushResult {
    const head = this.#segments[0];
    if (head === undefined) {
      this.#ring.clear();
      return { itemId: null, playedSamples: 0 };
    }
    const kept = this.#playing ? this.#ring.fadeOut(Math.min(this.#fadeSamples, head.queued)) : 0;
    if (!this.#playing) this.#ring.clear();
    for (const segment of this.#segments.slice(1)) this.#forget(segment.itemId, 0);
    head.queued = kept;
    head.ended = true;
    head.flushed = true;
    this.#segments.length = 1;
    const playedSamples = this.#headPlayed + kept;
    if (kept === 0) this.#finishHead(0);
    return { itemId: head.itemId, playedSamples };
  }

  /** Fills `out` (one render quantum) with the next samples, silence where there are none. */
  render(out: Float32Array): void {
    const n = out.length;
    let o = 0;
    while (o < n) {
      const head = this.#segments[0];
      if (head === undefined) break;
      if (head.queued === 0) {
        if (head.ended) {
          this.#finishHead(o);
          continue;
        }
        if (this.#playing) {
          // Dry while the item still streams, and a sample is due now: an underrun. (Running
          // dry at the very end of a quantum is not one if more audio arrives in time.)
          this.#playing = false;
          head.clean = false;
          const count = this.#policy.underrun();
          this.#events.underrun?.(head.itemId, count, this.#headPlayed, o);
        }
        break;
      }
      if (!this.#playing) {
        if (!this.#policy.canStart(head.queued, head.ended)) break;
        this.#playing = true;
        if (!head.started) {
          head.started = true;
          this.#events.started?.(head.itemId, o);
        }
      }
      const got = this.#ring.read(out, o, Math.min(n - o, head.queued));
      o += got;
      head.queued -= got;
      this.#headPlayed += got;
      if (head.queued === 0 && head.ended) this.#finishHead(o);
    }
    if (o < n) out.fill(0, o);
  }

  /** Drops the head segment, remembering its played count; reports `drained` unless flushed. */
  #finishHead(offset: number): void {
    const head = this.#segments.shift()!;
    const played = this.#headPlayed;
    this.#playing = false;
    this.#headPlayed = 0;
    this.#forget(head.itemId, played);
    if (head.started && !head.flushed) {
      this.#policy.drained(head.clean);
      this.#events.drained?.(head.itemId, played, offset);
    }
  }

  /** Remembers the final played count of an item, forgetting the oldest beyond the limit. */
  #forget(itemId: string, played: number): void {
    this.#played.delete(itemId);
    this.#played.set(itemId, played);
    while (this.#played.size > this.#remember) {
      this.#played.delete(this.#played.keys().next().value!);
    }
  }

  #find(itemId: string): Segment | undefined {
    for (const segment of this.#segments) if (segment.itemId === itemId) return segment;
    return undefined;
  }
}
