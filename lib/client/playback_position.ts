/**
 * The main thread's view of where playback is, for a barge-in that must answer at once.
 *
 * The playback worklet counts samples played per item exactly, but the main thread only hears
 * from it through messages (`started`, `underrun`, `drained`, and `status` up to 30 times a
 * second). {@linkcode PlaybackClock} keeps the latest of those and extrapolates with the
 * context clock: while the item plays, every second of context time is a second of samples.
 * The estimate runs behind the truth by at most one status period when an underrun has just
 * begun, and otherwise by the time the flush message takes to reach the worklet plus the fade;
 * the worklet's own `flushed` answer gives the exact count.
 *
 * {@linkcode playedSourceMs} turns samples played at the context rate into milliseconds of the
 * 24 kHz source audio, the unit of `conversation.item.truncate`'s `audio_end_ms`.
 *
 * @module
 */

import type { PlaybackWorkletMessage } from "./worklet_messages.ts";

/** What is playing, as far as the main thread knows. */
export interface PlaybackEstimate {
  /** The item the worklet last reported at the head of its queue, or `null`. */
  itemId: string | null;
  /** Samples of it played, at the context rate. */
  playedSamples: number;
}

export class PlaybackClock {
  readonly #sampleRate: number;
  #itemId: string | null = null;
  #played = 0;
  #playing = false;
  /** Context time the figures above describe. */
  #time = 0;

  /** @param sampleRate the context rate, in Hz */
  constructor(sampleRate: number) {
    this.#sampleRate = sampleRate;
  }

  /** Takes in one message from the playback worklet; those that carry no position are ignored. */
  update(message: PlaybackWorkletMessage): void {
    switch (message.type) {
      case "started":
        this.#set(message.itemId, 0, true, message.time);
        break;
      case "status":
        this.#set(message.itemId, message.playedSamples, message.playing, message.time);
        break;
      case "underrun":
        this.#set(message.itemId, message.playedSamples, false, message.time);
        break;
      case "drained":
        if (message.itemId === this.#itemId) this.#set(null, 0, false, message.time);
        break;
      case "flushed":
        this.#set(null, 0, false, this.#time);
        break;
      case "played":
        break;
    }
  }

  /**
   * Estimates what is played at context time `now`, at most `limit` samples (what was sent
   * for the item).
   */
  estimate(now: number, limit = Infinity): PlaybackEstimate {
    if (this.#itemId === null) return { itemId: null, playedSamples: 0 };
    let played = this.#played;
    if (this.#playing && now > this.#time) {
      played += Math.floor((now - this.#time) * this.#sampleRate);
    }
    return { itemId: this.#itemId, playedSamples: Math.min(played, limit) };
  }

  #set(itemId: string | null, played: number, playing: boolean, time: number): void {
    this.#itemId = itemId;
    this.#played = played;
    this.#playing = playing;
    this.#time = time;
  }
}

/**
 * Milliseconds of source audio heard after `playedSamples` samples at `outputRate`, for audio
 * resampled with a filter of `delayMs` group delay (its first output samples are the filter
 * filling up, and its last flush the tail), floored to whole ms and at most `sourceMs`.
 */
export function playedSourceMs(
  playedSamples: number,
  outputRate: number,
  delayMs: number,
  sourceMs = Infinity,
): number {
  const ms = playedSamples / outputRate * 1000 - delayMs;
  return Math.floor(Math.max(0, Math.min(sourceMs, ms)));
}
