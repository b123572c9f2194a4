/// <reference path="./audio_worklet_globals.d.ts" />
/**
 * AudioWorklet module `voice-playback`: assistant audio (already at the context rate, sent by
 * `Player`) out of a jitter buffer with adaptive pre-roll, samples played counted per item.
 *
 * The logic is {@linkcode PlaybackEngine}; this file wires it to the port and to `process()`.
 * Events (`started`, `drained`, `underrun`) are posted when they happen, dated in context time;
 * a `status` (position, depth, output level) goes out at most 30 times a second while there is
 * anything to play, and once more when the queue empties. Nothing is allocated per quantum
 * except those rate-limited messages.
 *
 * Loaded with `audioWorklet.addModule()`; bundled by `deno task build` as `playback_worklet.js`.
 *
 * @module
 */
import { LevelMeter } from "./level_meter.ts";
import { PlaybackEngine } from "./playback_engine.ts";
import {
  LEVEL_MESSAGES_PER_SECOND,
  PLAYBACK_PROCESSOR,
  unknownMessage,
} from "./worklet_messages.ts";
import type {
  PlaybackControlMessage,
  PlaybackProcessorOptions,
  PlaybackWorkletMessage,
} from "./worklet_messages.ts";

class PlaybackProcessor extends AudioWorkletProcessor {
  readonly #engine: PlaybackEngine;
  readonly #meter = new LevelMeter(sampleRate, LEVEL_MESSAGES_PER_SECOND);
  #open = true;
  /** Whether the last status described a non-empty queue. */
  #busy = false;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const config = (options.processorOptions ?? {}) as PlaybackProcessorOptions;
    this.#engine = new PlaybackEngine(sampleRate, {
      preRollMs: config.preRollMs,
      growMs: config.preRollGrowMs,
      maxMs: config.maxPreRollMs,
      fadeMs: config.fadeMs,
    }, {
      started: (itemId, offset) => {
        this.#post({ type: "started", itemId, time: currentTime + offset / sampleRate });
      },
      drained: (itemId, playedSamples, offset) => {
        const time = currentTime + offset / sampleRate;
        this.#post({ type: "drained", itemId, playedSamples, time });
      },
      underrun: (itemId, count, playedSamples, offset) => {
        const time = currentTime + offset / sampleRate;
        this.#post({ type: "underrun", itemId, count, playedSamples, time });
      },
    });
    this.port.onmessage = (event: MessageEvent<PlaybackControlMessage>) => {
      this.#receive(event.data);
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0];
    const channel = output?.[0];
    if (output === undefined || channel === undefined || !this.#open) return this.#open;
    this.#engine.render(channel);
    for (let c = 1; c < output.length; c++) output[c].set(channel);
    if (this.#meter.add(channel)) {
      const engine = this.#engine;
      const busy = engine.currentItemId !== null;
      if (busy || this.#busy) {
        this.#post({
          type: "status",
          itemId: engine.currentItemId,
          playing: engine.playing,
          playedSamples: engine.currentPlayedSamples,
          depthSamples: engine.depthSamples,
          preRollSamples: engine.preRollSamples,
          underruns: engine.underruns,
          rms: this.#meter.rms,
          time: currentTime + channel.length / sampleRate,
        });
      }
      this.#busy = busy;
    }
    return true;
  }

  #receive(message: PlaybackControlMessage): void {
    switch (message.type) {
      case "enqueue":
        this.#engine.enqueue(message.itemId, message.samples);
        break;
      case "end":
        this.#engine.endItem(message.itemId);
        break;
      case "flush": {
        const { itemId, playedSamples } = this.#engine.flush();
        this.#post({ type: "flushed", id: message.id, itemId, playedSamples });
        break;
      }
      case "query":
        this.#post({
          type: "played",
          id: message.id,
          itemId: message.itemId,
          playedSamples: this.#engine.playedSamples(message.itemId),
        });
        break;
      case "close":
        this.#open = false;
        this.port.onmessage = null;
        break;
      default:
        unknownMessage(message);
    }
  }

  #post(message: PlaybackWorkletMessage): void {
    this.port.postMessage(message);
  }
}

registerProcessor(PLAYBACK_PROCESSOR, PlaybackProcessor);
