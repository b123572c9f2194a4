/// <reference path="./audio_worklet_globals.d.ts" />
/**
 * AudioWorklet module `voice-capture`: microphone audio in, 20 ms wire frames out.
 *
 * Each render quantum goes through {@linkcode CapturePipeline} (mono mix, shared resampler to
 * 24 kHz, PCM16, shared framer); every completed 960-byte frame is posted at once, its buffer
 * transferred, with the context time of its last sample. The input level goes out at most 30
 * times a second.
 *
 * Allocation: nothing per quantum in this file or the pipeline, except one small `subarray`
 * view inside the shared `Framer.pushEach`; per frame (50 a second), the 960-byte frame itself.
 * A pool of frame buffers returned by the main thread was considered and not done: the shared
 * `Framer` (the one copy of the framing code) hands out fresh frames, and a frame the receiver
 * owns can be queued while the socket reconnects without a copy or a use-after-return bug.
 *
 * Loaded with `audioWorklet.addModule()`; bundled by `deno task build` as `capture_worklet.js`.
 *
 * @module
 */
import { CapturePipeline } from "./capture_pipeline.ts";
import { LevelMeter } from "./level_meter.ts";
import {
  CAPTURE_PROCESSOR,
  type CaptureControlMessage,
  type CaptureWorkletMessage,
  LEVEL_MESSAGES_PER_SECOND,
  unknownMessage,
} from "./worklet_messages.ts";

class CaptureProcessor extends AudioWorkletProcessor {
  readonly #pipeline = new CapturePipeline(sampleRate);
  readonly #meter = new LevelMeter(sampleRate, LEVEL_MESSAGES_PER_SECOND);
  #open = true;
  /** Made once: the pipeline calls it for every frame. */
  readonly #postFrame = (frame: Uint8Array, time: number): void => {
    const message: CaptureWorkletMessage = { type: "frame", frame, time };
    this.port.postMessage(message, [frame.buffer]);
  };

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (event: MessageEvent<CaptureControlMessage>) => {
      const message = event.data;
      switch (message.type) {
        case "close":
          this.#open = false;
          this.port.onmessage = null;
          break;
        default:
          unknownMessage(message.type);
      }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    // No channels: nothing is connected (between devices, or stopped); no audio is invented.
    if (this.#open && channels !== undefined && channels.length > 0) {
      this.#pipeline.process(channels, currentTime, this.#postFrame);
      if (this.#meter.add(this.#pipeline.lastMono)) {
        const message: CaptureWorkletMessage = {
          type: "level",
          rms: this.#meter.rms,
          peak: this.#meter.peak,
        };
        this.port.postMessage(message);
      }
    }
    return this.#open;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
