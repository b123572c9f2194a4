/**
 * The few AudioWorkletGlobalScope names the worklet modules use. Deno's libs describe the main
 * thread (`AudioWorkletNode`) but not the worklet side, so the worklet entry points pull this
 * file in with a triple-slash reference. Only what the worklets use is declared.
 *
 * @see https://webaudio.github.io/web-audio-api/#AudioWorkletGlobalScope
 */

/** The context's sample rate, in Hz. */
declare const sampleRate: number;
/** Context time, in seconds, of the first frame of the render quantum being processed. */
declare const currentTime: number;
/** Context frame index of the first frame of the render quantum being processed. */
declare const currentFrame: number;

/** Base class of every AudioWorklet processor. */
declare class AudioWorkletProcessor {
  /** The other end is `AudioWorkletNode.port` on the main thread. */
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}

/** The constructor `registerProcessor()` accepts. */
type AudioWorkletProcessorConstructor = new (
  options: AudioWorkletNodeOptions,
) => AudioWorkletProcessor & {
  process(
    inputs: Float32Array[][],
    outputs: Float32Array[][],
    parameters: Record<string, Float32Array>,
  ): boolean;
};

/** Makes `name` available to `new AudioWorkletNode(context, name)`. */
declare function registerProcessor(
  name: string,
  processorCtor: AudioWorkletProcessorConstructor,
): void;
