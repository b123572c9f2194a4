/**
 * The messages the main thread and the two audio worklets exchange over
 * `AudioWorkletNode.port`, as discriminated unions on `type`, plus the processor names and
 * options both sides agree on. Imported by the worklet bundles and by `mic_capture.ts` /
 * `player.ts`, so it holds types and constants only (no DOM use).
 *
 * @module
 */

/** `registerProcessor()` name of the capture worklet. */
export const CAPTURE_PROCESSOR = "voice-capture";
/** `registerProcessor()` name of the playback worklet. */
export const PLAYBACK_PROCESSOR = "voice-playback";

/** Most level (and playback status) messages a worklet posts per second. */
export const LEVEL_MESSAGES_PER_SECOND = 30;

// ---------------------------------------------------------------------------------------------
// Capture

/** Capture worklet → main thread. */
export type CaptureWorkletMessage =
  | {
    /** One 20 ms wire frame, posted (transferred) as soon as its last sample is in. */
    type: "frame";
    /** Exactly 960 bytes: 480 samples of 24 kHz mono PCM16 little-endian; owns its buffer. */
    frame: Uint8Array;
    /**
     * Context time, in seconds, of the frame's last sample as it entered the graph
     * (resampler delay removed).
     */
    time: number;
  }
  | {
    /** Input level over the last ~33 ms, at most 30 per second. */
    type: "level";
    rms: number;
    peak: number;
  };

/** Main thread → capture worklet. */
export type CaptureControlMessage = {
  /** Stop processing; the processor returns `false` and can be collected. */
  type: "close";
};

// ---------------------------------------------------------------------------------------------
// Playback

/** `processorOptions` of the playback worklet (all optional). */
export interface PlaybackProcessorOptions {
  /** Pre-roll before an item starts, in ms. @default 100 */
  preRollMs?: number;
  /** Pre-roll added after each underrun, in ms. @default 40 */
  preRollGrowMs?: number;
  /** Largest pre-roll, in ms. @default 300 */
  maxPreRollMs?: number;
  /** Fade applied by a flush (barge-in), in ms; at most 10. @default 5 */
  fadeMs?: number;
}

/** Main thread → playback worklet. */
export type PlaybackControlMessage =
  | {
    /** Samples of one item, already at the context rate; the buffer is transferred. */
    type: "enqueue";
    itemId: string;
    samples: Float32Array;
  }
  | {
    /** The item will get no more samples: play what is buffered without waiting for pre-roll. */
    type: "end";
    itemId: string;
  }
  | {
    /** Barge-in: fade out the current item, drop everything queued; answered by `flushed`. */
    type: "flush";
    id: number;
  }
  | {
    /** How many samples of `itemId` have been played; answered by `played`. */
    type: "query";
    id: number;
    itemId: string;
  }
  | {
    /** Stop processing; the processor returns `false` and can be collected. */
    type: "close";
  };

/** Playback worklet → main thread. Sample counts are at the context rate. */
export type PlaybackWorkletMessage =
  | {
    /** The first sample of the item is being rendered at context time `time`. */
    type: "started";
    itemId: string;
    time: number;
  }
  | {
    /** The item's last sample has been rendered (it reaches the speaker one output latency later). */
    type: "drained";
    itemId: string;
    playedSamples: number;
    time: number;
  }
  | {
    /** The item ran dry while still streaming; silence until it is re-buffered. */
    type: "underrun";
    itemId: string;
    /** Underruns since the player was created. */
    count: number;
    playedSamples: number;
    time: number;
  }
  | {
    /** Answer to `flush`: what of the item was played, fade included. */
    type: "flushed";
    id: number;
    itemId: string | null;
    playedSamples: number;
  }
  | {
    /** Answer to `query`; `null` for an item the worklet does not know (or forgot). */
    type: "played";
    id: number;
    itemId: string;
    playedSamples: number | null;
  }
  | {
    /** Periodic state (at most 30 per second, none while idle), output level included. */
    type: "status";
    /** The item at the head of the queue, if any. */
    itemId: string | null;
    /** Whether that item is audible now (not waiting for pre-roll). */
    playing: boolean;
    playedSamples: number;
    /** Samples queued in the worklet (all items). */
    depthSamples: number;
    /** Current pre-roll threshold, in samples. */
    preRollSamples: number;
    underruns: number;
    /** RMS of the output since the previous status. */
    rms: number;
    /** Context time at the end of the quantum the status describes. */
    time: number;
  };

/**
 * Throws for a message no case handled; put it in the `default` branch of a switch on `type`
 * (pass the message, or its `type` when the union has one member) so that a new member fails
 * type checking until it is handled.
 */
export function unknownMessage(message: never): never {
  const type = typeof message === "string" ? message : (message as { type?: unknown })?.type;
  throw new TypeError(`Cannot handle worklet message: unknown type ${JSON.stringify(type)}`);
}
