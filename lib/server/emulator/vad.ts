/**
 * Server-side voice activity detection for the emulator's `server_vad` turn detection
 * (docs/protocol.md §4.4 and §8.2): turns a stream of 24 kHz mono PCM16 into
 * `speech_started {audioStartMs}` / `speech_stopped {audioEndMs}` events.
 *
 * ## Design
 *
 * Audio is resampled to 8 kHz (the band WebRTC's VAD analyses anyway) and cut into 10 ms frames
 * of 80 samples. Each frame gets four measurements:
 *
 * 1. **WebRTC VAD** (`@echogarden/fvad-wasm`, libfvad compiled to WebAssembly): a voiced/unvoiced
 *    decision from its Gaussian mixture model over six sub-band energies. Its aggressiveness mode
 *    (0–3) follows `threshold` in quarters, so 0.5 uses mode 2 and 0.95 mode 3. On its own it
 *    also fires on pink noise, in 50–80 ms bursts and right after any noise onset.
 * 2. **Level**: the frame's RMS in dBFS.
 * 3. **SNR** against a noise floor tracked by minimum statistics: the minimum of the smoothed
 *    frame level over the last second (ten 100 ms blocks), plus 3 dB because a minimum sits
 *    below the mean of the noise it tracks. Stationary noise (fans, hum, pink noise) stays within
 *    a few dB of the floor; speech rises well above it.
 * 4. **Periodicity**: the peak normalized autocorrelation of the pre-emphasized frame at pitch
 *    lags of 2.5–12.5 ms (80–400 Hz). Vowels reach 0.85–1; pink and white noise stay under 0.5.
 *    It catches what the first three cannot: a loud noise that starts after silence, which
 *    looks like speech to WebRTC's VAD and stays above the floor until the floor catches up.
 *
 * A frame is a *speech frame* when WebRTC's VAD says voiced, its level is at least `peak − 20`
 * dB and its SNR at least `9 + 6 × threshold` dB. Speech starts when, within a sliding 200 ms
 * window, at least `0.4 + 0.3 × threshold` of the frames are speech frames (11 of 20 at 0.5,
 * 14 at 0.95), at least 3 of them are periodic (r ≥ 0.7), and the loudest reaches the peak level
 * `−65 + 30 × threshold` dBFS (−50 dBFS at 0.5, −36.5 at 0.95): "a higher threshold will require
 * louder audio to activate", as the Realtime docs put it. So clicks and bursts shorter than about
 * 110 ms never start a turn, and whispering (no pitch) does not either. The onset is dated to the
 * earliest speech frame in the window, not to the moment of the decision.
 *
 * Once in speech the SNR gate relaxes by 3 dB (hysteresis) and periodicity is not needed; every
 * speech frame moves the end of speech forward, and the turn ends when `silenceDurationMs` pass
 * without one, so pauses shorter than that stay inside the turn.
 *
 * ## Time arithmetic
 *
 * All times are ms of audio pushed since the detector was created (frames are dated back by the
 * resampler's 2.6 ms delay), rounded to whole ms:
 * - `audioStartMs = max(onset − prefixPaddingMs, end of the previous turn, last reset, 0)`;
 * - `audioEndMs = end of the last speech frame + silenceDurationMs`: the moment the silence
 *   window closed, which is when `speech_stopped` is emitted.
 *
 * ## Costs
 *
 * Buffers are allocated once: at creation, libfvad's state and the 160-byte frame in wasm memory
 * and the small analysis rings; on the first non-empty `push()`, a 50 ms conversion slice and
 * the resampler. So a detector never fed, as in an idle session, holds only small fixed state;
 * the resampler is built on the first push. After that, `push()` allocates only the array it
 * returns (and one view when the chunk does not end on a 50 ms slice). The pitch search runs
 * only on candidate frames before a turn.
 * The WebAssembly instance (16 MiB of linear memory) is shared by every detector in the
 * process; `close()` frees this detector's state in it.
 *
 * @module
 */

import fvadFactory from "@echogarden/fvad-wasm";
// @ts-types="./fvad_wasm.d.ts"
import fvadWasm from "./fvad_wasm.js";
import { WIRE_SAMPLE_RATE } from "../../shared/audio_format.ts";
import { Resampler } from "../../shared/resampler.ts";

//#region Settings, constants and the gates a threshold sets

/**
 * Server VAD settings, as in `session.audio.input.turn_detection` of type `server_vad`. The
 * protocol's defaults are `defaultServerVad()` in lib/shared/realtime/session_defaults.ts.
 */
export interface VadOptions {
  /** Activation threshold, 0..1. Higher needs louder and more clearly voiced audio. */
  threshold: number;
  /** Ms of audio before the detected onset included in `audioStartMs`. */
  prefixPaddingMs: number;
  /** Ms of silence that end a turn. */
  silenceDurationMs: number;
}

/** What the detector reports; ms count audio pushed since the detector was created. */
export type VadEvent =
  | { type: "speech_started"; audioStartMs: number }
  | { type: "speech_stopped"; audioEndMs: number };

/** The part of the Emscripten module of libfvad this file uses. */
interface FvadModule {
  HEAP16: Int16Array;
  _fvad_new(): number;
  _fvad_free(handle: number): void;
  _fvad_reset(handle: number): void;
  _fvad_set_mode(handle: number, mode: number): number;
  _fvad_set_sample_rate(handle: number, sampleRate: number): number;
  _fvad_process(handle: number, frame: number, length: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Rate the VAD runs at; libfvad accepts 8, 16, 32 or 48 kHz and analyses 0–4 kHz. */
const VAD_RATE = 8000;
/** 10 ms frames: the finest libfvad supports, for the finest onset times. */
const FRAME_MS = 10;
const FRAME_SAMPLES = (VAD_RATE * FRAME_MS) / 1000;
/** Onset window: 20 frames = 200 ms. */
const WINDOW_FRAMES = 20;
/** Noise floor: minimum over FLOOR_BLOCKS blocks of FLOOR_BLOCK_FRAMES frames (1 s). */
const FLOOR_BLOCK_FRAMES = 10;
const FLOOR_BLOCKS = 10;
/** Pitch lags searched, in 8 kHz samples: 20 (400 Hz) to 100 (80 Hz). */
const MIN_LAG = 20;
const MAX_LAG = 100;
/** A frame whose normalized autocorrelation peak reaches this is periodic (voiced). */
const PERIODIC_CORRELATION = 0.7;
/** Periodic frames the onset window needs. */
const PERIODIC_FRAMES_ON = 3;
/** First-order pre-emphasis before the autocorrelation, which flattens pink and brown noise. */
const PRE_EMPHASIS = 0.9;
/** DB added to the minimum-statistics floor to estimate the mean noise level. */
const FLOOR_BIAS_DB = 3;
/** Input samples converted to float per resampler call: 50 ms. */
const SLICE_SAMPLES = (WIRE_SAMPLE_RATE * 50) / 1000;
/** Level given to a frame of digital silence, and the power below which a frame is silent. */
const SILENT_DB = -100;
const SILENT_POWER = 10 ** (SILENT_DB / 10);

/** The gates derived from `threshold`; see the design notes at the top of the file. */
interface Gates {
  /** WebRTC VAD aggressiveness, 0–3. */
  mode: number;
  /** Level (dBFS) the loudest frame of the onset window must reach. */
  peakDb: number;
  /** Level (dBFS) every speech frame must reach. */
  levelDb: number;
  /** SNR (dB) a speech frame needs before and during a turn. */
  snrOnDb: number;
  snrOffDb: number;
  /** Speech frames the 20-frame onset window needs. */
  framesOn: number;
}

function gatesFor(threshold: number): Gates {
  const peakDb = -65 + 30 * threshold;
  const snrOnDb = 9 + 6 * threshold;
  return {
    mode: Math.min(3, Math.floor(threshold * 4)),
    peakDb,
    levelDb: peakDb - 20,
    snrOnDb,
    snrOffDb: snrOnDb - 3,
    framesOn: Math.ceil(WINDOW_FRAMES * (0.4 + 0.3 * threshold)),
  };
}

function validate(options: VadOptions): VadOptions {
  const { threshold, prefixPaddingMs, silenceDurationMs } = options;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(
      `Cannot configure VAD: threshold ${threshold} is outside 0..1; pass a value from 0 to 1`,
    );
  }
  if (!(prefixPaddingMs >= 0 && Number.isFinite(prefixPaddingMs))) {
    throw new RangeError(
      `Cannot configure VAD: prefixPaddingMs ${prefixPaddingMs} is not a finite number >= 0`,
    );
  }
  if (!(silenceDurationMs >= 0 && Number.isFinite(silenceDurationMs))) {
    throw new RangeError(
      `Cannot configure VAD: silenceDurationMs ${silenceDurationMs} is not a finite number >= 0`,
    );
  }
  return { threshold, prefixPaddingMs, silenceDurationMs };
}

//#endregion

//#region The conversion to 8 kHz and libfvad, loaded once per process

/** A detector's 24 → 8 kHz conversion: PCM16 is scaled into `slice`, then resampled. */
interface Conversion {
  resampler: Resampler;
  /** Up to `SLICE_SAMPLES` input samples as floats, the resampler's input. */
  slice: Float32Array;
}

function newConversion(): Conversion {
  return {
    resampler: new Resampler(WIRE_SAMPLE_RATE, VAD_RATE),
    slice: new Float32Array(SLICE_SAMPLES),
  };
}

let fvadModule: Promise<FvadModule> | undefined;

/**
 * Instantiates libfvad once per process; a failed attempt is retried on the next call. The
 * wasm comes from a source-phase import (fvad_wasm.js), so no file read is needed at run time.
 */
function loadFvad(): Promise<FvadModule> {
  fvadModule ??= (fvadFactory as (module: object) => Promise<FvadModule>)({
    // The glue prints "Aborted(…)" before rejecting; the rejection below carries it as cause.
    printErr() {},
    // Hand over the module Deno already compiled, instead of letting the glue read the file.
    instantiateWasm(
      imports: WebAssembly.Imports,
      done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) {
      const instance = new WebAssembly.Instance(fvadWasm, imports);
      done(instance, fvadWasm);
      return instance.exports;
    },
  }).catch((cause: unknown) => {
    fvadModule = undefined;
    throw new Error(
      "Cannot load WebRTC VAD: @echogarden/fvad-wasm failed to instantiate; check that the " +
        "process may read the package's fvad.wasm (--allow-read)",
      { cause },
    );
  });
  return fvadModule;
}

//#endregion

/**
 * Detects turns in 24 kHz mono PCM16 for `server_vad`. Create with
 * {@linkcode VoiceActivityDetector.create}, feed with {@linkcode VoiceActivityDetector.push},
 * free with {@linkcode VoiceActivityDetector.close}. One thread; not reentrant.
 */
export class VoiceActivityDetector {
  //#region State, creation and the public methods

  #fvad: FvadModule;
  #handle: number;
  /** Byte address of the 80-sample frame in wasm memory. */
  #framePointer: number;
  /**
   * The 24 → 8 kHz conversion, created by the first `push()`: the resampler's history is by
   * far its largest allocation, and most detectors (idle sessions, sessions without turn
   * detection) are never fed. Null before the first push and after `close()`.
   */
  #conversion: Conversion | null = null;
  #options: VadOptions;
  #gates: Gates;
  #closed = false;

  /** Samples of the current frame written so far, and their sum of squares. */
  #filled = 0;
  #energy = 0;
  /** Frames analysed since creation: the clock, at 10 ms per frame. */
  #frames = 0;
  /** Samples pushed since creation. */
  #pushed = 0;

  /** Minimum statistics: smoothed power, running block minimum, and past block minima (dB). */
  #smoothedPower = -1;
  #blockMinDb = Infinity;
  #blockFrames = 0;
  #blockMinsDb = new Float64Array(FLOOR_BLOCKS).fill(Infinity);
  #blockIndex = 0;

  /**
   * Pre-emphasized 8 kHz samples: MAX_LAG of history, then the current frame. `#previous` is the
   * last raw sample, for the pre-emphasis filter.
   */
  #history = new Float32Array(MAX_LAG + FRAME_SAMPLES);
  #previous = 0;

  /**
   * Onset window, as rings indexed alike: the level (dB) of each speech frame (−Infinity for
   * other frames), and 1 for each periodic speech frame; with their counts.
   */
  #levels = new Float64Array(WINDOW_FRAMES).fill(-Infinity);
  #periodic = new Uint8Array(WINDOW_FRAMES);
  #windowIndex = 0;
  #speechCount = 0;
  #periodicCount = 0;

  #inSpeech = false;
  /** End (ms) of the last speech frame of the current turn. */
  #speechEndMs = 0;
  /** No turn may start before this (ms): the end of the previous turn or the last reset. */
  #startFloorMs = 0;

  private constructor(fvad: FvadModule, options: VadOptions) {
    this.#fvad = fvad;
    this.#options = options;
    this.#gates = gatesFor(options.threshold);
    this.#handle = fvad._fvad_new();
    this.#framePointer = fvad._malloc(FRAME_SAMPLES * 2);
    if (this.#handle === 0 || this.#framePointer === 0) {
      this.close();
      throw new Error("Cannot create VAD: WebRTC VAD is out of wasm memory; close unused ones");
    }
    this.#initFvad();
  }

  /**
   * Creates a detector, loading the WebRTC VAD wasm on first use.
   *
   * @throws {RangeError} when an option is out of range
   */
  static async create(options: VadOptions): Promise<VoiceActivityDetector> {
    const valid = validate(options);
    return new VoiceActivityDetector(await loadFvad(), valid);
  }

  /** Whether a turn is in progress (between `speech_started` and `speech_stopped`). */
  get inSpeech(): boolean {
    return this.#inSpeech;
  }

  /**
   * Changes the settings from the next 10 ms frame on; state and the ms clock are kept, so a
   * turn in progress ends by the new `silenceDurationMs`.
   *
   * @throws {RangeError} when an option is out of range
   */
  configure(options: VadOptions): void {
    this.#assertOpen("configure");
    this.#options = validate(options);
    this.#gates = gatesFor(this.#options.threshold);
    this.#fvad._fvad_set_mode(this.#handle, this.#gates.mode);
  }

  /**
   * Analyses `samples` (24 kHz mono PCM16, any length) and returns the events they complete,
   * oldest first. Audio short of a whole frame waits for the next push.
   */
  push(samples: Int16Array): VadEvent[] {
    this.#assertOpen("push audio");
    this.#pushed += samples.length;
    if (samples.length === 0) return [];
    let events: VadEvent[] | undefined;
    const { resampler, slice } = this.#conversion ??= newConversion();
    const heap = this.#fvad.HEAP16;
    const base = this.#framePointer >> 1;
    for (let offset = 0; offset < samples.length; offset += SLICE_SAMPLES) {
      const n = Math.min(SLICE_SAMPLES, samples.length - offset);
      for (let i = 0; i < n; i++) slice[i] = samples[offset + i] / 32768;
      const out = resampler.process(n === SLICE_SAMPLES ? slice : slice.subarray(0, n));
      for (let i = 0; i < out.length; i++) {
        const v = out[i];
        const s = Math.round(v * 32768);
        heap[base + this.#filled] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
        this.#history[MAX_LAG + this.#filled] = v - PRE_EMPHASIS * this.#previous;
        this.#previous = v;
        this.#energy += v * v;
        if (++this.#filled === FRAME_SAMPLES) {
          const event = this.#analyseFrame(resampler.delayMs);
          if (event !== undefined) (events ??= []).push(event);
        }
      }
    }
    return events ?? [];
  }

  /**
   * Forgets the turn in progress (no `speech_stopped` is emitted) and the onset window; the ms
   * clock and the noise floor are kept, and no later turn may start before this moment.
   */
  reset(): void {
    this.#assertOpen("reset");
    this.#inSpeech = false;
    this.#clearWindow();
    this.#startFloorMs = Math.ceil((this.#pushed * 1000) / WIRE_SAMPLE_RATE);
    this.#fvad._fvad_reset(this.#handle);
    this.#initFvad();
  }

  /** Frees this detector's wasm memory. Idempotent; any other call afterwards throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#handle !== 0) this.#fvad._fvad_free(this.#handle);
    if (this.#framePointer !== 0) this.#fvad._free(this.#framePointer);
    this.#handle = 0;
    this.#framePointer = 0;
    this.#conversion = null;
  }

  //#endregion

  //#region Per-frame analysis: the four measurements and the onset window

  #initFvad(): void {
    this.#fvad._fvad_set_sample_rate(this.#handle, VAD_RATE);
    this.#fvad._fvad_set_mode(this.#handle, this.#gates.mode);
  }

  #assertOpen(action: string): void {
    if (this.#closed) {
      throw new Error(`Cannot ${action}: the VAD is closed; create a new one`);
    }
  }

  /**
   * Classifies the completed frame, advances the clock, and returns the event it causes.
   * `delayMs` is the resampler's delay, by which frames are dated back.
   */
  #analyseFrame(delayMs: number): VadEvent | undefined {
    const power = this.#energy / FRAME_SAMPLES;
    this.#filled = 0;
    this.#energy = 0;
    const levelDb = power > SILENT_POWER ? 10 * Math.log10(power) : SILENT_DB;
    const snrDb = levelDb - this.#trackFloor(power);
    const voiced = this.#fvad._fvad_process(this.#handle, this.#framePointer, FRAME_SAMPLES) === 1;
    // The resampler delays its output; date the frame by when its audio was pushed.
    const startMs = this.#frames * FRAME_MS - delayMs;
    this.#frames++;
    const g = this.#gates;
    const loud = voiced && levelDb >= g.levelDb;
    let event: VadEvent | undefined;
    if (!this.#inSpeech) {
      const speech = loud && snrDb >= g.snrOnDb;
      event = this.#slideWindow(
        speech ? levelDb : -Infinity,
        speech && this.#isPeriodic(),
        startMs,
      );
    } else if (loud && snrDb >= g.snrOffDb) {
      this.#speechEndMs = startMs + FRAME_MS;
    } else if (startMs + FRAME_MS - this.#speechEndMs >= this.#options.silenceDurationMs) {
      const audioEndMs = Math.round(this.#speechEndMs + this.#options.silenceDurationMs);
      this.#inSpeech = false;
      this.#startFloorMs = audioEndMs;
      event = { type: "speech_stopped", audioEndMs };
    }
    this.#history.copyWithin(0, FRAME_SAMPLES);
    return event;
  }

  /**
   * Adds a frame to the onset window (`levelDb` −Infinity for a non-speech frame) and starts a
   * turn when the window qualifies.
   */
  #slideWindow(levelDb: number, periodic: boolean, startMs: number): VadEvent | undefined {
    const index = this.#windowIndex;
    const speech = levelDb !== -Infinity;
    this.#speechCount += (speech ? 1 : 0) - (this.#levels[index] === -Infinity ? 0 : 1);
    this.#periodicCount += (periodic ? 1 : 0) - this.#periodic[index];
    this.#levels[index] = levelDb;
    this.#periodic[index] = periodic ? 1 : 0;
    this.#windowIndex = (index + 1) % WINDOW_FRAMES;
    if (
      !speech || this.#speechCount < this.#gates.framesOn ||
      this.#periodicCount < PERIODIC_FRAMES_ON
    ) {
      return undefined;
    }
    let oldest = -1;
    let peakDb = -Infinity;
    for (let age = 0; age < WINDOW_FRAMES; age++) {
      const level = this.#levels[(this.#windowIndex + age) % WINDOW_FRAMES];
      if (level === -Infinity) continue;
      if (oldest < 0) oldest = age;
      if (level > peakDb) peakDb = level;
    }
    if (peakDb < this.#gates.peakDb) return undefined;
    const onsetMs = startMs - (WINDOW_FRAMES - 1 - oldest) * FRAME_MS;
    this.#inSpeech = true;
    this.#speechEndMs = startMs + FRAME_MS;
    this.#clearWindow();
    const audioStartMs = Math.max(
      0,
      this.#startFloorMs,
      Math.round(onsetMs - this.#options.prefixPaddingMs),
    );
    return { type: "speech_started", audioStartMs };
  }

  /** Whether the current frame has a pitch: normalized autocorrelation ≥ 0.7 at some lag. */
  #isPeriodic(): boolean {
    const x = this.#history;
    let xx = 0;
    for (let i = MAX_LAG; i < MAX_LAG + FRAME_SAMPLES; i++) xx += x[i] * x[i];
    // Energy of the lagged frame, kept up to date as the lag grows by one.
    let yy = 0;
    for (let i = MAX_LAG - MIN_LAG; i < MAX_LAG - MIN_LAG + FRAME_SAMPLES; i++) yy += x[i] * x[i];
    const limit = PERIODIC_CORRELATION * PERIODIC_CORRELATION;
    for (let lag = MIN_LAG; lag <= MAX_LAG; lag++) {
      let xy = 0;
      for (let i = MAX_LAG; i < MAX_LAG + FRAME_SAMPLES; i++) xy += x[i] * x[i - lag];
      if (xy > 0 && xy * xy >= limit * xx * yy) return true;
      const leaving = x[MAX_LAG - lag + FRAME_SAMPLES - 1];
      const entering = MAX_LAG - lag - 1 >= 0 ? x[MAX_LAG - lag - 1] : 0;
      yy += entering * entering - leaving * leaving;
    }
    return false;
  }

  #clearWindow(): void {
    this.#levels.fill(-Infinity);
    this.#periodic.fill(0);
    this.#speechCount = 0;
    this.#periodicCount = 0;
  }

  //#endregion

  //#region Noise floor (minimum statistics)

  /** Updates the minimum-statistics noise floor with this frame's power; returns it in dB. */
  #trackFloor(power: number): number {
    this.#smoothedPower = this.#smoothedPower < 0
      ? power
      : this.#smoothedPower + 0.5 * (power - this.#smoothedPower);
    const smoothedDb = this.#smoothedPower > SILENT_POWER
      ? 10 * Math.log10(this.#smoothedPower)
      : SILENT_DB;
    if (smoothedDb < this.#blockMinDb) this.#blockMinDb = smoothedDb;
    let floorDb = this.#blockMinDb;
    for (let i = 0; i < FLOOR_BLOCKS; i++) {
      if (this.#blockMinsDb[i] < floorDb) floorDb = this.#blockMinsDb[i];
    }
    if (++this.#blockFrames === FLOOR_BLOCK_FRAMES) {
      this.#blockMinsDb[this.#blockIndex] = this.#blockMinDb;
      this.#blockIndex = (this.#blockIndex + 1) % FLOOR_BLOCKS;
      this.#blockMinDb = Infinity;
      this.#blockFrames = 0;
    }
    return floorDb + FLOOR_BIAS_DB;
  }

  //#endregion
}
