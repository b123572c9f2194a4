/**
 * What the page knows about the audio on the wire, and whether it keeps the wire contract:
 * 20 ms frames of 24 kHz mono PCM16 (960 bytes), JSON text appends, no commit while server VAD
 * is on, a steady cadence, no dropped frames. Inputs in, results out: no DOM, no timers.
 *
 * {@linkcode WireCounters} counts what only the controller sees (frames captured, commits,
 * barge-ins); {@linkcode collectDiagnostics} joins them with the sender's and the player's
 * figures into one {@linkcode Diagnostics} record, and {@linkcode wireChecks} judges it.
 * Each check is a typed result; the island puts it into words.
 *
 * @module
 */
import { FRAME_BYTES, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";

/** Everything the diagnostics panel shows, in one plain record. */
export interface Diagnostics {
  inputRate: number | null;
  wireRate: number;
  outputRate: number | null;
  lastFrameBytes: number | null;
  framesCaptured: number;
  /** Frames of a size other than 960 bytes. */
  badFrames: number;
  framesSent: number;
  framesDropped: number;
  queueDepth: number;
  sendGapP95Ms: number | null;
  captureToSendP95Ms: number | null;
  jitterDepthMs: number;
  preRollMs: number;
  underruns: number;
  outputLatencyMs: number;
  commitsUnderVad: number;
  bargeIns: number;
  lastTruncateMs: number | null;
}

/** The sender's figures (`RelayClient.stats`). */
export interface SenderFigures {
  framesSent: number;
  framesDropped: number;
  queueDepth: number;
  sendGapP95Ms: number | null;
  captureToSendP95Ms: number | null;
}

/** The player's figures (`Player`). */
export interface PlayerFigures {
  sampleRate: number;
  depthMs: number;
  preRollMs: number;
  underruns: number;
  outputLatencyMs: number;
}

/** Where {@linkcode collectDiagnostics} reads from; absent parts read as "not yet". */
export interface DiagnosticsSources {
  counters: WireCounters;
  /** The capture (context) rate, when a microphone is open. */
  inputRate?: number | null;
  sender?: SenderFigures | null;
  player?: PlayerFigures | null;
}

/** A send gap p95 above this breaks the steady 20 ms cadence. */
export const SEND_GAP_P95_LIMIT_MS = 40;

/** One check of the wire contract: `ok` is null while there is nothing to judge yet. */
export type WireCheck =
  | { type: "frame-size"; ok: boolean | null; badFrames: number }
  | { type: "json-text"; ok: boolean | null; appendsSent: number }
  | { type: "no-commit-under-vad"; ok: boolean; commitsUnderVad: number }
  | { type: "steady-cadence"; ok: boolean | null; sendGapP95Ms: number | null; limitMs: number }
  | { type: "no-drops"; ok: boolean | null; framesDropped: number };

/** What {@linkcode WireCounters} has counted so far. */
export interface WireCounts {
  framesCaptured: number;
  lastFrameBytes: number | null;
  /** Frames of a size other than 960 bytes. */
  badFrames: number;
  commitsUnderVad: number;
  bargeIns: number;
  lastTruncateMs: number | null;
}

/** Counts what happens to frames and turns on the page's side of the wire. */
export class WireCounters {
  #counts: WireCounts = {
    framesCaptured: 0,
    lastFrameBytes: null,
    badFrames: 0,
    commitsUnderVad: 0,
    bargeIns: 0,
    lastTruncateMs: null,
  };

  /** The counts so far (a live view: read it, never change it). */
  get counts(): Readonly<WireCounts> {
    return this.#counts;
  }

  /** A frame came from the capture worklet. */
  frame(bytes: number): void {
    this.#counts.framesCaptured++;
    this.#counts.lastFrameBytes = bytes;
    if (bytes !== FRAME_BYTES) this.#counts.badFrames++;
  }

  /** The page committed the input buffer; `underVad` when server VAD was on. */
  commit(underVad: boolean): void {
    if (underVad) this.#counts.commitsUnderVad++;
  }

  /** The user talked over the assistant and the heard part was truncated at `audioEndMs`. */
  bargeIn(audioEndMs: number): void {
    this.#counts.bargeIns++;
    this.#counts.lastTruncateMs = audioEndMs;
  }
}

/** Joins the counters with the sender's and the player's figures. */
export function collectDiagnostics(sources: DiagnosticsSources): Diagnostics {
  const { sender, player } = sources;
  const counts = sources.counters.counts;
  return {
    inputRate: sources.inputRate ?? null,
    wireRate: WIRE_SAMPLE_RATE,
    outputRate: player?.sampleRate ?? null,
    lastFrameBytes: counts.lastFrameBytes,
    framesCaptured: counts.framesCaptured,
    badFrames: counts.badFrames,
    framesSent: sender?.framesSent ?? 0,
    framesDropped: sender?.framesDropped ?? 0,
    queueDepth: sender?.queueDepth ?? 0,
    sendGapP95Ms: sender?.sendGapP95Ms ?? null,
    captureToSendP95Ms: sender?.captureToSendP95Ms ?? null,
    jitterDepthMs: player?.depthMs ?? 0,
    preRollMs: player?.preRollMs ?? 0,
    underruns: player?.underruns ?? 0,
    outputLatencyMs: player?.outputLatencyMs ?? 0,
    commitsUnderVad: counts.commitsUnderVad,
    bargeIns: counts.bargeIns,
    lastTruncateMs: counts.lastTruncateMs,
  };
}

/** Judges a diagnostics record against the wire contract, one check per rule. */
export function wireChecks(d: Diagnostics): WireCheck[] {
  const framesSeen = d.framesCaptured > 0;
  return [
    { type: "frame-size", ok: framesSeen ? d.badFrames === 0 : null, badFrames: d.badFrames },
    { type: "json-text", ok: d.framesSent > 0 ? true : null, appendsSent: d.framesSent },
    {
      type: "no-commit-under-vad",
      ok: d.commitsUnderVad === 0,
      commitsUnderVad: d.commitsUnderVad,
    },
    {
      type: "steady-cadence",
      ok: d.sendGapP95Ms === null ? null : d.sendGapP95Ms <= SEND_GAP_P95_LIMIT_MS,
      sendGapP95Ms: d.sendGapP95Ms,
      limitMs: SEND_GAP_P95_LIMIT_MS,
    },
    {
      type: "no-drops",
      ok: framesSeen ? d.framesDropped === 0 : null,
      framesDropped: d.framesDropped,
    },
  ];
}

/** Whether two records show the same figures (so nothing needs drawing). */
export function sameDiagnostics(a: Diagnostics, b: Diagnostics): boolean {
  for (const key in a) {
    if (a[key as keyof Diagnostics] !== b[key as keyof Diagnostics]) return false;
  }
  return true;
}

/**
 * The `p` quantile (0..1) of the first `count` values of a rolling window (nearest rank,
 * rounding down): null when there are none. `count` may exceed the window's length once it
 * has wrapped; then the whole window counts.
 *
 * @throws {RangeError} when `p` is outside 0..1
 */
export function windowPercentile(
  window: Float64Array,
  count: number,
  p: number,
): number | null {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`Cannot take the percentile: p is ${p}; pass a number from 0 to 1`);
  }
  const n = Math.min(count, window.length);
  if (n === 0) return null;
  const sorted = window.slice(0, n).sort();
  return sorted[Math.min(n - 1, Math.floor(n * p))];
}
