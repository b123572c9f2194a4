/**
 * How long the coach takes to answer, measured in the page, per turn: from the end of the
 * user's turn (the service's `speech_stopped`, the push-to-talk release, or a typed message
 * sent) to the first audio the server sends, and to the first sample the speaker plays.
 *
 * Times are the page's clock (`performance.now()`), passed in, so the tracker is pure.
 *
 * @module
 */

/** One answered turn. */
export interface TurnLatency {
  /** End of the user's turn → first `response.output_audio.delta`, ms. */
  firstAudioMs: number;
  /** End of the user's turn → first audible sample (the player started), ms; null: not yet. */
  audibleMs: number | null;
}

/** What Diagnostics shows. */
export interface LatencyView {
  /** The latest turn, or null before the first answer. */
  last: TurnLatency | null;
  /** Median of end of turn → first audible sample over the session's turns; null: none. */
  medianAudibleMs: number | null;
  /** Turns measured. */
  turns: number;
}

/** The view before any turn. */
export const NO_LATENCY: LatencyView = { last: null, medianAudibleMs: null, turns: 0 };

/** Follows the turns of one session. */
export class LatencyTracker {
  #turnEnd: number | null = null;
  #current: TurnLatency | null = null;
  #audible: number[] = [];
  #last: TurnLatency | null = null;

  /** The user's turn ended at `t` (a later end of the same turn moves it). */
  turnEnded(t: number): void {
    if (this.#current !== null && this.#current.audibleMs === null) this.#current = null;
    this.#turnEnd = t;
  }

  /** Audio of the answer arrived at `t`; true when it was the turn's first. */
  firstAudio(t: number): boolean {
    if (this.#turnEnd === null || this.#current !== null) return false;
    this.#current = { firstAudioMs: t - this.#turnEnd, audibleMs: null };
    this.#last = this.#current;
    return true;
  }

  /** The speaker started playing at `t`; true when it completed a turn's measurement. */
  audible(t: number): boolean {
    if (this.#turnEnd === null || this.#current === null || this.#current.audibleMs !== null) {
      return false;
    }
    this.#current.audibleMs = t - this.#turnEnd;
    this.#audible.push(this.#current.audibleMs);
    this.#turnEnd = null;
    this.#current = null;
    return true;
  }

  /** Forget the turn in flight (the connection dropped, or the session stopped). */
  abandon(): void {
    this.#turnEnd = null;
    if (this.#current?.audibleMs === null) this.#current = null;
  }

  get view(): LatencyView {
    return {
      last: this.#last === null ? null : { ...this.#last },
      medianAudibleMs: median(this.#audible),
      turns: this.#audible.length,
    };
  }
}

/** The median of `values` (the mean of the middle two for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Whether two views show the same figures. */
export function sameLatency(a: LatencyView, b: LatencyView): boolean {
  return a.turns === b.turns && a.medianAudibleMs === b.medianAudibleMs &&
    a.last?.firstAudioMs === b.last?.firstAudioMs && a.last?.audibleMs === b.last?.audibleMs;
}
