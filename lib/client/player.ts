/**
 * Assistant audio playback on the main thread, with barge-in.
 *
 * `enqueue()` takes the 24 kHz PCM16 of each `response.output_audio.delta`, resamples it to
 * the context rate here (shared `Resampler`, one per item, so the worklet only copies) and
 * transfers the samples to the `voice-playback` worklet (`playback_worklet.ts`): a jitter
 * buffer that starts an item after an adaptive pre-roll and counts samples played per item.
 *
 * The worklet plays into a `MediaStreamAudioDestinationNode` heard through an `<audio>`
 * element, so the browser's echo canceller sees the assistant's voice and `setSinkId()` can
 * pick the speaker; where the element cannot play, it plays into `ctx.destination`.
 *
 * ```ts
 * const player = await Player.create(ctx, { workletUrl: assets["playback_worklet.js"] });
 * player.enqueue(event.item_id, decodeBase64(event.delta)); // response.output_audio.delta
 * player.endItem(event.item_id); //                           response.output_audio.done
 * const { itemId, playedMs } = player.flush(); //             barge-in: truncate at playedMs
 * ```
 *
 * @module
 */

import { WIRE_SAMPLE_RATE } from "../shared/audio_format.ts";
import { pcm16ToFloatInto } from "../shared/pcm16.ts";
import { Resampler } from "../shared/resampler.ts";
import { PlaybackClock, playedSourceMs } from "./playback_position.ts";
import { PLAYBACK_PROCESSOR, unknownMessage } from "./worklet_messages.ts";
import type {
  PlaybackControlMessage,
  PlaybackProcessorOptions,
  PlaybackWorkletMessage,
} from "./worklet_messages.ts";
import { loadWorklet, safely } from "./worklet_support.ts";

export interface PlayerOptions extends PlaybackProcessorOptions {
  /** URL of the bundled playback worklet (`playback_worklet.js` in the asset manifest). */
  workletUrl: string;
  /** The `<audio>` element to play through; one is created (not attached) when absent. */
  sinkElement?: HTMLAudioElement;
  /** Initial {@linkcode Player.onStarted}. */
  onStarted?: (itemId: string) => void;
  /** Initial {@linkcode Player.onDrained}. */
  onDrained?: (itemId: string) => void;
  /** Initial {@linkcode Player.onUnderrun}. */
  onUnderrun?: (count: number) => void;
  /** Initial {@linkcode Player.onLevel}. */
  onLevel?: (rms: number) => void;
}

/** What a barge-in stopped. */
export interface PlayerFlushResult {
  /** The item that was playing (or about to), or `null` when nothing was queued. */
  itemId: string | null;
  /**
   * Milliseconds of the item's 24 kHz source audio played, estimated at the moment of the
   * call: use it as `audio_end_ms` of `conversation.item.truncate`.
   */
  playedMs: number;
  /**
   * The worklet's exact count once it has stopped, fade included (a few ms more than
   * `playedMs`).
   */
  exact: Promise<{ itemId: string | null; playedMs: number }>;
}

/** Where the audio goes: an `<audio>` element, or straight to `ctx.destination`. */
export type PlayerRoute = "element" | "destination";

interface ItemRecord {
  /** `null` once the item has ended (or was flushed): later audio is ignored. */
  resampler: Resampler | null;
  sourceSamples: number;
  outputSamples: number;
  /** A byte left over from an odd-length chunk, or -1. */
  oddByte: number;
}

/** Items remembered for `playedMs()` and for ignoring late audio. */
const REMEMBER_ITEMS = 64;
/** How long `create()` waits for the `<audio>` element to start before going on. */
const PLAY_WAIT_MS = 1000;

interface SinkIdTarget {
  setSinkId?(sinkId: string): Promise<void>;
}

export class Player {
  /** The context rate, in Hz. */
  readonly sampleRate: number;
  /** An item's first sample is being rendered. */
  onStarted: ((itemId: string) => void) | undefined;
  /** An item's last sample has been rendered (heard one output latency later). */
  onDrained: ((itemId: string) => void) | undefined;
  /** Playback ran dry while an item was still streaming; `count` since creation. */
  onUnderrun: ((count: number) => void) | undefined;
  /** Output level (RMS, 0..1) up to 30 times a second while playing. */
  onLevel: ((rms: number) => void) | undefined;

  readonly #ctx: AudioContext;
  readonly #node: AudioWorkletNode;
  readonly #clock: PlaybackClock;
  readonly #delayMs: number;
  #destination: MediaStreamAudioDestinationNode | null = null;
  #element: HTMLAudioElement | null = null;
  #ownsElement = false;
  #route: PlayerRoute = "destination";
  /** Known items, oldest first. */
  #items = new Map<string, ItemRecord>();
  /** Items sent to the worklet and not yet drained, in play order. */
  #queue: string[] = [];
  /** Items a flush stopped: their late audio is dropped. */
  #flushed = new Set<string>();
  /**
   * A resampler from an item that has ended, reset for the next one: building the filter
   * table for 24 → 44.1 kHz takes a few ms, so it is done once rather than per item.
   */
  #spare: Resampler | null = null;
  #depthSamples = 0;
  #preRollSamples = 0;
  #underruns = 0;
  #nextRequest = 1;
  #requests = new Map<number, (message: PlaybackWorkletMessage | null) => void>();
  #closed = false;

  /**
   * Loads the worklet and connects it to the speaker. Call it from a user gesture (or after
   * one) so that the `<audio>` element may play.
   *
   * @throws {Error} "Cannot load the playback worklet …".
   * @throws {RangeError} If the shared resampler does not support the context's rate.
   */
  static async create(ctx: AudioContext, options: PlayerOptions): Promise<Player> {
    const resampler = new Resampler(WIRE_SAMPLE_RATE, ctx.sampleRate);
    await loadWorklet(ctx, options.workletUrl, "playback");
    const processorOptions: PlaybackProcessorOptions = {
      preRollMs: options.preRollMs,
      preRollGrowMs: options.preRollGrowMs,
      maxPreRollMs: options.maxPreRollMs,
      fadeMs: options.fadeMs,
    };
    const node = new AudioWorkletNode(ctx, PLAYBACK_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions,
    });
    const player = new Player(ctx, node, resampler, options);
    await player.#connect(options.sinkElement);
    return player;
  }

  private constructor(
    ctx: AudioContext,
    node: AudioWorkletNode,
    resampler: Resampler,
    options: PlayerOptions,
  ) {
    this.#ctx = ctx;
    this.#node = node;
    this.#spare = resampler;
    this.#delayMs = resampler.delayMs;
    this.sampleRate = ctx.sampleRate;
    this.#clock = new PlaybackClock(ctx.sampleRate);
    this.onStarted = options.onStarted;
    this.onDrained = options.onDrained;
    this.onUnderrun = options.onUnderrun;
    this.onLevel = options.onLevel;
    node.port.onmessage = (event: MessageEvent<PlaybackWorkletMessage>) => {
      this.#receive(event.data);
    };
  }

  /** Milliseconds of audio queued in the worklet (all items), as last reported. */
  get depthMs(): number {
    return this.#depthSamples / this.sampleRate * 1000;
  }

  /** Underruns so far. */
  get underruns(): number {
    return this.#underruns;
  }

  /** The pre-roll an item now waits for, in ms, as last reported. */
  get preRollMs(): number {
    return this.#preRollSamples / this.sampleRate * 1000;
  }

  /** Context output latency (`outputLatency + baseLatency`), in ms, where the browser has it. */
  get outputLatencyMs(): number {
    return ((this.#ctx.outputLatency || 0) + (this.#ctx.baseLatency || 0)) * 1000;
  }

  /** Where the audio goes. */
  get route(): PlayerRoute {
    return this.#route;
  }

  /**
   * Queues 24 kHz mono PCM16 bytes of `itemId` (from `response.output_audio.delta`). Audio of
   * an item that has ended or was flushed is ignored.
   *
   * @throws {Error} When the player is closed.
   */
  enqueue(itemId: string, pcm16: Uint8Array): void {
    this.#checkOpen("enqueue audio");
    if (this.#flushed.has(itemId)) return;
    let item = this.#items.get(itemId);
    if (item === undefined) {
      item = {
        resampler: this.#spare ?? new Resampler(WIRE_SAMPLE_RATE, this.sampleRate),
        sourceSamples: 0,
        outputSamples: 0,
        oddByte: -1,
      };
      this.#spare = null;
      this.#remember(itemId, item);
      this.#queue.push(itemId);
    }
    if (item.resampler === null) return;
    let bytes = pcm16;
    if (item.oddByte >= 0 || bytes.length % 2 === 1) bytes = joinOddBytes(item, bytes);
    const n = bytes.length / 2;
    if (n === 0) return;
    const input = new Float32Array(n);
    pcm16ToFloatInto(bytes, input);
    item.sourceSamples += n;
    this.#send(itemId, item, input);
  }

  /**
   * No more audio for `itemId` (`response.output_audio.done`): its last partial buffer plays
   * without waiting for the pre-roll, then `onDrained` fires.
   */
  endItem(itemId: string): void {
    if (this.#closed) return;
    const item = this.#items.get(itemId);
    if (item === undefined || item.resampler === null) return;
    // Push the resampler's tail out: the filter delay's worth of silence.
    this.#send(itemId, item, new Float32Array(Math.ceil(this.#delayMs * WIRE_SAMPLE_RATE / 1000)));
    this.#retire(item);
    this.#post({ type: "end", itemId });
  }

  /**
   * Barge-in: stops playback at once (a fade of at most 10 ms), drops everything queued and
   * ignores late audio of those items. Returns the item that was playing and how much of it
   * was heard, in ms of source audio.
   */
  flush(): PlayerFlushResult {
    this.#checkOpen("flush playback");
    const head = this.#queue[0] ?? null;
    const record = head === null ? undefined : this.#items.get(head);
    const estimate = this.#clock.estimate(this.#ctx.currentTime, record?.outputSamples);
    const played = estimate.itemId === head ? estimate.playedSamples : 0;
    for (const itemId of this.#queue) {
      const item = this.#items.get(itemId);
      if (item !== undefined) this.#retire(item);
      this.#flushed.add(itemId);
    }
    for (const itemId of this.#flushed) {
      if (this.#flushed.size <= REMEMBER_ITEMS) break;
      this.#flushed.delete(itemId);
    }
    this.#queue.length = 0;
    this.#depthSamples = 0;
    const id = this.#nextRequest++;
    const exact = new Promise<{ itemId: string | null; playedMs: number }>((resolve, reject) => {
      this.#requests.set(id, (message) => {
        if (message?.type !== "flushed") {
          reject(new Error("Cannot report the flushed item: the player was closed"));
        } else {
          resolve({
            itemId: message.itemId,
            playedMs: this.#toMs(message.itemId, message.playedSamples),
          });
        }
      });
    });
    this.#post({ type: "flush", id });
    return { itemId: head, playedMs: this.#toMs(head, played), exact };
  }

  /** Milliseconds of `itemId`'s source audio played so far (0 for an unknown item). */
  playedMs(itemId: string): Promise<number> {
    this.#checkOpen("query playback");
    const id = this.#nextRequest++;
    const answer = new Promise<number>((resolve, reject) => {
      this.#requests.set(id, (message) => {
        if (message?.type !== "played") {
          reject(new Error("Cannot report played audio: the player was closed"));
        } else {
          resolve(this.#toMs(itemId, message.playedSamples ?? 0));
        }
      });
    });
    this.#post({ type: "query", id, itemId });
    return answer;
  }

  /**
   * Plays through the output device `deviceId` (from `enumerateDevices()`).
   *
   * @throws {Error} "Cannot choose the output device: …" where the browser cannot, or the
   * device is not available.
   */
  async setSinkId(deviceId: string): Promise<void> {
    this.#checkOpen("choose the output device");
    const target: SinkIdTarget = this.#route === "element" && this.#element !== null
      ? this.#element
      : this.#ctx as SinkIdTarget;
    if (typeof target.setSinkId !== "function") {
      throw new Error(
        "Cannot choose the output device: this browser cannot switch it; use the system settings",
      );
    }
    try {
      await target.setSinkId(deviceId);
    } catch (error) {
      throw new Error(
        `Cannot choose the output device: ${
          error instanceof Error ? `${error.name}: ${error.message}` : String(error)
        }`,
        { cause: error },
      );
    }
  }

  /** Stops playback and disconnects everything. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#post({ type: "close" });
    this.#closed = true;
    this.#node.port.onmessage = null;
    this.#node.disconnect();
    this.#destination?.disconnect();
    if (this.#element !== null) {
      if (this.#ownsElement) this.#element.pause();
      this.#element.srcObject = null;
    }
    for (const answer of this.#requests.values()) answer(null);
    this.#requests.clear();
    this.#items.clear();
    this.#queue.length = 0;
  }

  async #connect(sinkElement: HTMLAudioElement | undefined): Promise<void> {
    const ctx = this.#ctx;
    if (
      typeof ctx.createMediaStreamDestination !== "function" ||
      (sinkElement === undefined && typeof document === "undefined")
    ) {
      this.#node.connect(ctx.destination);
      return;
    }
    const destination = ctx.createMediaStreamDestination();
    this.#node.connect(destination);
    const element = sinkElement ?? document.createElement("audio");
    element.srcObject = destination.stream;
    this.#destination = destination;
    this.#element = element;
    this.#ownsElement = sinkElement === undefined;
    this.#route = "element";
    const playing = element.play().catch((error) => {
      // deno-lint-ignore no-console
      console.warn("The <audio> element cannot play; using the AudioContext output:", error);
      this.#useDestination();
    });
    // A live stream's play() settles once audio flows; do not hang on a suspended context.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      playing,
      new Promise<void>((resolve) => timer = setTimeout(resolve, PLAY_WAIT_MS)),
    ]);
    clearTimeout(timer);
  }

  #useDestination(): void {
    if (this.#closed || this.#route === "destination") return;
    this.#node.disconnect();
    this.#destination?.disconnect();
    this.#destination = null;
    if (this.#element !== null) this.#element.srcObject = null;
    this.#node.connect(this.#ctx.destination);
    this.#route = "destination";
  }

  #receive(message: PlaybackWorkletMessage): void {
    this.#clock.update(message);
    switch (message.type) {
      case "started":
        if (this.onStarted) safely(() => this.onStarted!(message.itemId));
        break;
      case "drained": {
        const index = this.#queue.indexOf(message.itemId);
        if (index >= 0) this.#queue.splice(index, 1);
        if (this.onDrained) safely(() => this.onDrained!(message.itemId));
        break;
      }
      case "underrun":
        this.#underruns = message.count;
        if (this.onUnderrun) safely(() => this.onUnderrun!(message.count));
        break;
      case "flushed":
      case "played":
        this.#requests.get(message.id)?.(message);
        this.#requests.delete(message.id);
        break;
      case "status":
        this.#depthSamples = message.depthSamples;
        this.#preRollSamples = message.preRollSamples;
        this.#underruns = message.underruns;
        if (this.onLevel) safely(() => this.onLevel!(message.rms));
        break;
      default:
        unknownMessage(message);
    }
  }

  /** Resamples `input` with the item's resampler and transfers the result to the worklet. */
  #send(itemId: string, item: ItemRecord, input: Float32Array): void {
    const resampler = item.resampler!;
    const out = new Float32Array(resampler.maxOutputLength(input.length));
    const count = resampler.processInto(input, out);
    if (count === 0) return;
    item.outputSamples += count;
    this.#post({ type: "enqueue", itemId, samples: out.subarray(0, count) }, [out.buffer]);
  }

  /** Marks an item as taking no more audio and keeps its resampler for the next item. */
  #retire(item: ItemRecord): void {
    if (item.resampler === null) return;
    item.resampler.reset();
    this.#spare = item.resampler;
    item.resampler = null;
  }

  #toMs(itemId: string | null, playedSamples: number): number {
    if (itemId === null) return 0;
    const item = this.#items.get(itemId);
    const sourceMs = item === undefined ? Infinity : item.sourceSamples / WIRE_SAMPLE_RATE * 1000;
    return playedSourceMs(playedSamples, this.sampleRate, this.#delayMs, sourceMs);
  }

  #remember(itemId: string, item: ItemRecord): void {
    this.#items.set(itemId, item);
    for (const [oldId, old] of this.#items) {
      if (this.#items.size <= REMEMBER_ITEMS) break;
      if (old.resampler === null && !this.#queue.includes(oldId)) this.#items.delete(oldId);
      else break;
    }
  }

  #post(message: PlaybackControlMessage, transfer: Transferable[] = []): void {
    this.#node.port.postMessage(message, transfer);
  }

  #checkOpen(what: string): void {
    if (this.#closed) {
      throw new Error(`Cannot ${what}: the player is closed; create a new one`);
    }
  }
}

/** Prepends a byte kept from the previous chunk and keeps a trailing odd byte for the next. */
function joinOddBytes(item: ItemRecord, bytes: Uint8Array): Uint8Array {
  const carry = item.oddByte >= 0 ? 1 : 0;
  const joined = new Uint8Array(carry + bytes.length);
  if (carry) joined[0] = item.oddByte;
  joined.set(bytes, carry);
  if (joined.length % 2 === 1) {
    item.oddByte = joined[joined.length - 1];
    return joined.subarray(0, joined.length - 1);
  }
  item.oddByte = -1;
  return joined;
}
