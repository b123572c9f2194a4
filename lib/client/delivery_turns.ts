/**
 * The delivery of each user turn, measured on the page from the audio it sent: every 960-byte
 * frame goes into a ring of the last 60 s of 24 kHz PCM16 (`lib/shared/pcm_ring.ts`), and when the service says where a
 * turn was, {@linkcode analyzeDelivery} runs on exactly that span.
 *
 * ```ts
 * const turns = new DeliveryTurns({ onTurn: ({ itemId, delivery }) => show(itemId, delivery) });
 * turns.frameSent(frame);                          // each frame the page sends
 * turns.speechStarted("item_1", 1_200);            // input_audio_buffer.speech_started
 * turns.speechStopped("item_1", 4_650);            // input_audio_buffer.speech_stopped → a turn
 * turns.committed("item_1");                       // the same turn: nothing more
 * ```
 *
 * ## Where a turn is
 *
 * - **Server VAD**: `speech_started {audio_start_ms}` and `speech_stopped {audio_end_ms}` are
 *   positions in the session's input audio, counted from its first append (docs/protocol.md
 *   §8.2), so the span is `audio_start_ms × 24 … audio_end_ms × 24` samples of what this page
 *   sent since the upstream session began. The `committed` that follows names the same item and
 *   adds nothing.
 * - **Push-to-talk** (no speech events): `committed` ends a turn that is the audio sent since
 *   the previous commit or clear. Call {@linkcode DeliveryTurns.cleared} when the page *sends*
 *   `input_audio_buffer.clear` (not when `cleared` comes back: the first frames of the press
 *   are already on their way by then).
 * - **A new upstream session** (a reconnect) counts from 0 again: call
 *   {@linkcode DeliveryTurns.reset}.
 *
 * A turn longer than the ring is measured on its last 60 s. A span that falls outside the
 * audio kept (or is empty) measures as {@linkcode NO_DELIVERY}.
 *
 * ## Cost
 *
 * The ring is allocated at the first frame; a frame is one `set()` into it (two at the wrap),
 * with no allocation. Measuring a turn converts its span into the ring's shared float buffer
 * (grown to the longest turn) and runs the analyzer, which costs well under 1 % of the turn's
 * duration.
 *
 * @module
 */
import { WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { analyzeDelivery, type Delivery, NO_DELIVERY } from "@/lib/shared/delivery.ts";
import { PcmRing } from "@/lib/shared/pcm_ring.ts";

/** One measured user turn. */
export interface DeliveryTurn {
  /** The user item the turn became (`item_id` of the speech or commit event). */
  itemId: string;
  delivery: Delivery;
}

/** Options of {@linkcode DeliveryTurns}. */
export interface DeliveryTurnsOptions {
  /** Called with each turn as it is measured (the methods also return it). */
  onTurn?: (turn: DeliveryTurn) => void;
  /**
   * Seconds of sent audio kept; a longer turn is measured on its last this-many seconds.
   * @default 60
   */
  seconds?: number;
  /**
   * What measures a span (24 kHz mono floats).
   * @default analyzeDelivery
   */
  analyze?: (samples: Float32Array, sampleRate: number) => Delivery;
}

/** Samples of wire audio per millisecond (24). */
const SAMPLES_PER_MS = WIRE_SAMPLE_RATE / 1000;

/** Keeps the audio the page sent and measures each user turn in it. */
export class DeliveryTurns {
  /** What the page sent in this upstream session, by sample position. */
  #ring: PcmRing;
  /** Where the audio since the last commit or clear begins, in samples. */
  #mark = 0;
  /** The speech under way (server VAD), in samples. */
  #start: { itemId: string; at: number } | null = null;
  /** The item last measured, so the `committed` after `speech_stopped` adds nothing. */
  #measured: string | null = null;
  #onTurn: ((turn: DeliveryTurn) => void) | undefined;
  #analyze: (samples: Float32Array, sampleRate: number) => Delivery;

  /** @throws {RangeError} when `seconds` is not a positive number */
  constructor(options: DeliveryTurnsOptions = {}) {
    const seconds = options.seconds ?? 60;
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new RangeError(
        `Cannot create DeliveryTurns: ${seconds} s of audio is not a positive number; pass seconds > 0`,
      );
    }
    this.#ring = new PcmRing({ samples: Math.ceil(seconds * WIRE_SAMPLE_RATE) });
    this.#onTurn = options.onTurn;
    this.#analyze = options.analyze ?? analyzeDelivery;
  }

  /** Milliseconds of audio sent since the upstream session began. */
  get sentMs(): number {
    return this.#ring.written / SAMPLES_PER_MS;
  }

  /**
   * Keeps one frame the page sent (PCM16 little-endian, 24 kHz mono; 960 bytes on the wire).
   * Call it for exactly the frames that go to the service, in order.
   *
   * @throws {TypeError} when `frame` is not a `Uint8Array`
   * @throws {RangeError} when `frame` has an odd length
   */
  frameSent(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) {
      throw new TypeError("Cannot keep audio frame: frame must be a Uint8Array of PCM16 bytes");
    }
    this.#ring.write(frame);
  }

  /** `input_audio_buffer.speech_started`: the user's speech began at `audioStartMs`. */
  speechStarted(itemId: string, audioStartMs: number): void {
    this.#start = { itemId: checkItem(itemId), at: toSample(audioStartMs) };
  }

  /**
   * `input_audio_buffer.speech_stopped`: the turn ended at `audioEndMs`; measures it from its
   * `speech_started` (or, without one, from the last commit or clear).
   */
  speechStopped(itemId: string, audioEndMs: number): DeliveryTurn {
    checkItem(itemId);
    const end = toSample(audioEndMs);
    const from = this.#start?.at ?? this.#mark;
    return this.#turn(itemId, from, end);
  }

  /**
   * `input_audio_buffer.committed`: with server VAD the turn was measured at `speech_stopped`
   * and this returns null; otherwise (push-to-talk) it measures the audio sent since the last
   * commit or clear.
   */
  committed(itemId: string): DeliveryTurn | null {
    if (checkItem(itemId) === this.#measured) return null;
    return this.#turn(itemId, this.#start?.at ?? this.#mark, this.#ring.written);
  }

  /** The page sent `input_audio_buffer.clear`: what was sent so far is not part of a turn. */
  cleared(): void {
    this.#mark = this.#ring.written;
    this.#start = null;
  }

  /** A new upstream session began: its audio positions count from 0 again. */
  reset(): void {
    this.#ring.restart();
    this.#mark = 0;
    this.#start = null;
    this.#measured = null;
  }

  #turn(itemId: string, from: number, to: number): DeliveryTurn {
    this.#start = null;
    this.#measured = itemId;
    this.#mark = Math.max(this.#mark, Math.min(to, this.#ring.written));
    const samples = this.#ring.read(from, to);
    const delivery = samples.length === 0
      ? { ...NO_DELIVERY }
      : this.#analyze(samples, WIRE_SAMPLE_RATE);
    const turn = { itemId, delivery };
    this.#onTurn?.(turn);
    return turn;
  }
}

function checkItem(itemId: string): string {
  if (typeof itemId !== "string" || itemId === "") {
    throw new TypeError(
      "Cannot measure turn: item id must be a non-empty string; pass the event's item_id",
    );
  }
  return itemId;
}

/** Milliseconds of session input → sample index (24 per ms, exact for whole milliseconds). */
function toSample(ms: number): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(
      `Cannot measure turn: audio position ${ms} ms is not a number ≥ 0; pass the event's audio_start_ms or audio_end_ms`,
    );
  }
  return Math.round(ms * SAMPLES_PER_MS);
}
