/**
 * Microphone capture on the main thread: `getUserMedia` → `MediaStreamAudioSourceNode` → the
 * `voice-capture` worklet (`capture_worklet.ts`), which posts exact 20 ms frames of 24 kHz mono
 * PCM16 as soon as each is complete.
 *
 * Start it from a user gesture, with an AudioContext created at the device's native rate
 * (never ask for a `sampleRate`: the shared resampler converts whatever it is to 24 kHz).
 *
 * ```ts
 * const capture = await MicCapture.start(ctx, {
 *   workletUrl: assets["capture_worklet.js"],
 *   onFrame: (frame) => socket.sendAppend(frame),
 * });
 * ```
 *
 * @module
 */

import { Resampler } from "../shared/resampler.ts";
import { WIRE_SAMPLE_RATE } from "../shared/audio_format.ts";
import {
  CAPTURE_PROCESSOR,
  type CaptureControlMessage,
  type CaptureWorkletMessage,
  unknownMessage,
} from "./worklet_messages.ts";
import { loadWorklet, safely } from "./worklet_support.ts";

/** Browser audio processing asked of `getUserMedia`. */
export interface CaptureConstraints {
  /** @default true */
  echoCancellation?: boolean;
  /** @default true */
  noiseSuppression?: boolean;
  /** @default true */
  autoGainControl?: boolean;
}

/** What comes with each frame. */
export interface FrameInfo {
  /** `performance.now()` when the frame's last sample was captured (estimated). */
  capturedAt: number;
  /** Context time of the frame's last sample, in seconds. */
  contextTime: number;
}

export interface MicCaptureOptions {
  /** URL of the bundled capture worklet (`capture_worklet.js` in the asset manifest). */
  workletUrl: string;
  /** Microphone to open; the browser's default when absent. */
  deviceId?: string;
  /**
   * Receives each 960-byte frame (480 samples of 24 kHz mono PCM16 little-endian) as soon as
   * it is complete. The frame owns its buffer: keep it, queue it or transfer it as you like.
   */
  onFrame(frame: Uint8Array, info: FrameInfo): void;
  /** Input level (RMS and peak, 0..1), at most 30 times a second. */
  onLevel?(rms: number, peak: number): void;
  /** The microphone track ended on its own (unplugged, permission revoked), not by `stop()`. */
  onEnded?(): void;
  /** The worklet failed (it has stopped producing frames). */
  onError?(error: Error): void;
  /** Aborting stops the capture (or the start, if still under way). */
  signal?: AbortSignal;
  /** @default all true */
  constraints?: CaptureConstraints;
}

/** A running microphone capture. */
export class MicCapture {
  /** The context (input) rate, in Hz. */
  readonly inputRate: number;
  readonly #ctx: AudioContext;
  readonly #node: AudioWorkletNode;
  readonly #options: MicCaptureOptions;
  #stream: MediaStream;
  #source: MediaStreamAudioSourceNode;
  #frames = 0;
  #stopped = false;
  #ended = false;
  readonly #onTrackEnded = (): void => {
    if (this.#stopped || this.#ended) return;
    this.#ended = true;
    if (this.#options.onEnded) safely(() => this.#options.onEnded!());
  };
  readonly #onAbort = (): void => this.stop();

  /**
   * Opens the microphone and starts posting frames.
   *
   * @throws {Error} "Cannot open the microphone: …" with the browser's error as `cause`
   * (`NotAllowedError`, `NotFoundError`…); "Cannot load the capture worklet: …".
   * @throws {RangeError} If the shared resampler does not support the context's rate.
   * @throws the signal's reason when aborted before the capture started.
   */
  static async start(ctx: AudioContext, options: MicCaptureOptions): Promise<MicCapture> {
    const { signal } = options;
    signal?.throwIfAborted();
    // Checks the rate up front: the worklet would otherwise fail on its own thread.
    new Resampler(ctx.sampleRate, WIRE_SAMPLE_RATE);
    await loadWorklet(ctx, options.workletUrl, "capture");
    const stream = await openMicrophone(options.deviceId, options.constraints);
    if (signal?.aborted) {
      stopTracks(stream);
      throw signal.reason;
    }
    const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
      numberOfInputs: 1,
      // No output: the spec (and Chromium, as an "automatic pull" node) renders a worklet
      // without outputs as long as it has input, so nothing is sent to the speakers.
      numberOfOutputs: 0,
      channelCountMode: "max",
    });
    return new MicCapture(ctx, node, stream, options);
  }

  private constructor(
    ctx: AudioContext,
    node: AudioWorkletNode,
    stream: MediaStream,
    options: MicCaptureOptions,
  ) {
    this.#ctx = ctx;
    this.#node = node;
    this.#options = options;
    this.inputRate = ctx.sampleRate;
    this.#stream = stream;
    node.port.onmessage = (event: MessageEvent<CaptureWorkletMessage>) => {
      this.#receive(event.data);
    };
    node.onprocessorerror = () => {
      this.stop();
      const error = new Error("Cannot capture audio: the capture worklet failed; reload the page");
      if (options.onError) safely(() => options.onError!(error));
    };
    this.#source = ctx.createMediaStreamSource(stream);
    this.#source.connect(node);
    this.#watch(stream);
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The microphone track in use. */
  get track(): MediaStreamTrack {
    return this.#stream.getAudioTracks()[0];
  }

  /** The microphone's name as the browser gives it (empty before permission). */
  get deviceLabel(): string {
    return this.track?.label ?? "";
  }

  /** Frames delivered so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Whether the track ended on its own. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Whether `stop()` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Moves to another microphone without touching the worklet: framing goes on, so no sample
   * is lost or repeated in the frames (the audio itself switches sources between two quanta).
   *
   * @throws {Error} "Cannot open the microphone: …" (the old device stays in use), or when the
   * capture is stopped.
   */
  async switchDevice(deviceId: string): Promise<void> {
    if (this.#stopped) {
      throw new Error("Cannot switch microphone: the capture is stopped; start a new capture");
    }
    const stream = await openMicrophone(deviceId, this.#options.constraints);
    if (this.#stopped) {
      stopTracks(stream);
      throw new Error("Cannot switch microphone: the capture was stopped meanwhile");
    }
    const source = this.#ctx.createMediaStreamSource(stream);
    // Both graph changes land between the same two render quanta.
    this.#source.disconnect();
    source.connect(this.#node);
    this.#unwatch(this.#stream);
    stopTracks(this.#stream);
    this.#source = source;
    this.#stream = stream;
    this.#ended = false;
    this.#watch(stream);
  }

  /** Stops capturing and releases the microphone. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#source.disconnect();
    const close: CaptureControlMessage = { type: "close" };
    this.#node.port.postMessage(close);
    this.#node.port.onmessage = null;
    this.#node.onprocessorerror = null;
    this.#unwatch(this.#stream);
    stopTracks(this.#stream);
  }

  #receive(message: CaptureWorkletMessage): void {
    switch (message.type) {
      case "frame": {
        if (this.#stopped) return;
        this.#frames++;
        const capturedAt = contextTimeToPerformanceTime(this.#ctx, message.time) -
          inputLatencyMs(this.track);
        const info: FrameInfo = { capturedAt, contextTime: message.time };
        safely(() => this.#options.onFrame(message.frame, info));
        break;
      }
      case "level":
        if (this.#options.onLevel) {
          safely(() => this.#options.onLevel!(message.rms, message.peak));
        }
        break;
      default:
        unknownMessage(message);
    }
  }

  #watch(stream: MediaStream): void {
    for (const track of stream.getAudioTracks()) {
      track.addEventListener("ended", this.#onTrackEnded);
    }
  }

  #unwatch(stream: MediaStream): void {
    for (const track of stream.getAudioTracks()) {
      track.removeEventListener("ended", this.#onTrackEnded);
    }
  }
}

/**
 * Maps a context time (seconds) of a sample the graph is rendering now to `performance.now()`
 * time. `getOutputTimestamp()` pairs a context time with the moment it reaches the speaker, so
 * the render time is that minus the output latency. Never later than now; now when the
 * context has no timestamp yet.
 */
export function contextTimeToPerformanceTime(
  ctx: Pick<AudioContext, "getOutputTimestamp" | "baseLatency" | "outputLatency">,
  time: number,
  now: number = performance.now(),
): number {
  const stamp = ctx.getOutputTimestamp?.();
  if (!stamp?.performanceTime || stamp.contextTime === undefined) return now;
  const latency = (ctx.baseLatency || 0) + (ctx.outputLatency || 0);
  const estimate = stamp.performanceTime + (time - stamp.contextTime - latency) * 1000;
  return Math.min(now, estimate);
}

/** The track's input latency in ms when the browser reports it (Chromium does), else 0. */
function inputLatencyMs(track: MediaStreamTrack | undefined): number {
  const latency = (track?.getSettings() as { latency?: number } | undefined)?.latency;
  return typeof latency === "number" && latency > 0 ? latency * 1000 : 0;
}

/** `getUserMedia` for one mono-preferred audio track, its errors made actionable. */
async function openMicrophone(
  deviceId: string | undefined,
  constraints: CaptureConstraints = {},
): Promise<MediaStream> {
  const audio: MediaTrackConstraints = {
    channelCount: { ideal: 1 },
    echoCancellation: constraints.echoCancellation ?? true,
    noiseSuppression: constraints.noiseSuppression ?? true,
    autoGainControl: constraints.autoGainControl ?? true,
  };
  if (deviceId !== undefined) audio.deviceId = { exact: deviceId };
  try {
    if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
      throw new DOMException("navigator.mediaDevices is not available", "SecurityError");
    }
    return await navigator.mediaDevices.getUserMedia({ audio, video: false });
  } catch (error) {
    throw new Error(`Cannot open the microphone: ${describeMicrophoneError(error)}`, {
      cause: error,
    });
  }
}

/** What a `getUserMedia` failure means for the user, and what to do about it. */
export function describeMicrophoneError(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  switch (name) {
    case "NotAllowedError":
      return "permission was denied; allow the microphone for this site and try again";
    case "NotFoundError":
      return "no microphone was found; connect one and try again";
    case "NotReadableError":
    case "AbortError":
      return "the microphone is busy or failed; close other apps using it and try again";
    case "OverconstrainedError":
      return "the chosen microphone is not available; pick another one and try again";
    case "SecurityError":
      return "this page may not use the microphone; open it over HTTPS (or localhost)";
    default:
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
