/**
 * Delivery hints: with an upstream model, the relay measures each committed user turn from the
 * audio it forwarded and adds a short note item with the figures, so the model's coaching can
 * cite them (`DELIVERY_HINTS`, on by default; local mode never: its coach measures by itself).
 *
 * ```ts
 * const hints = new DeliveryHints({ send: (text) => upstream.send(text), log });
 * hints.forwarded(admission.text, admission.audio); // every message sent upstream
 * const shown = hints.observe(event, text);          // every upstream event: null keeps it
 * ```
 *
 * ## The tap
 *
 * The PCM16 of every forwarded append (decoded once, by the admission, as for the recording)
 * is copied into a ring of the latest audio (allocated at the first append; nothing per frame
 * after that), indexed by the input buffer's audio clock: milliseconds of audio appended since
 * the session's first append, the clock of the service's `audio_start_ms` and `audio_end_ms`.
 * The ring keeps only what a turn can still need: with server VAD the speech under way, or the
 * latest 3 s while nobody speaks; in push-to-talk (`session.updated` with `turn_detection:
 * null`) everything since the last commit or clear. It starts at
 * {@linkcode INITIAL_RING_SECONDS} (190 KB) and doubles when a turn needs more, up to
 * {@linkcode HINT_WINDOW_SECONDS} (1.4 MB): a session's memory follows its longest turn.
 *
 * ## A turn
 *
 * - Server VAD: `input_audio_buffer.speech_started {audio_start_ms, item_id}` and
 *   `.speech_stopped {audio_end_ms}` mark the turn; `.committed {item_id}` of the same item
 *   measures `[audio_start_ms, audio_end_ms]` (the prefix padding and the closing silence are
 *   in it; silence does not change the figures).
 * - Push-to-talk (no speech events for the item): the turn is the audio forwarded since the
 *   last commit or clear, up to the browser's last `input_audio_buffer.commit`.
 * - A span the ring cannot hold by the service's clock (the clock restarts in a new upstream
 *   session after a rollover) falls back to the push-to-talk span. A turn longer than the ring
 *   is measured over its last {@linkcode HINT_WINDOW_SECONDS} seconds.
 *
 * The turn is measured right after `committed` has gone to the browser (a microtask later):
 * `analyzeDelivery()` costs a few milliseconds per turn (`bench/delivery_hints_bench.ts`). A
 * turn with less than {@linkcode MIN_NOTE_SPEECH_SECONDS} of speech gets no note: its pace
 * would be noise. Otherwise the relay sends upstream
 * `conversation.item.create {previous_item_id: <the committed item>, item: {type: "message",
 * role: "system", content: [{type: "input_text", text}]}}` with an item id and event id of its
 * own ({@linkcode deliveryNote} words it).
 *
 * ## What the browser sees
 *
 * Nothing of the note: its `conversation.item.added` / `.done` are dropped, an `error` answering
 * it (matched on `event_id`) is logged, not forwarded, and an item placed after the note gets
 * the note's own `previous_item_id` (the user's item) instead, so the page never meets an id
 * it was not shown. The browser still cannot add content of its own: only the relay writes
 * notes.
 *
 * ## When the model reads it
 *
 * With server VAD the service starts a response right at the commit, before the note can
 * arrive: that response is made without the note, which lands in the conversation after the
 * user's item (before the answer's item, by `previous_item_id`) and is read by every response
 * that follows. The same holds for push-to-talk, whose `response.create` follows the commit at
 * once. For the note to reach the answer to its own turn, the relay would have to send
 * `turn_detection.create_response: false` and send `response.create` itself after the note
 * (and hold the browser's `response.create` until then): a change of the coach session, not
 * made here.
 *
 * @module
 */
import { BYTES_PER_MS, BYTES_PER_SAMPLE, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { analyzeDelivery, type Delivery } from "@/lib/shared/delivery.ts";
import { wordsPerMinute } from "@/lib/shared/delivery_bands.ts";
import { newId } from "@/lib/shared/ids.ts";
import { PcmRing } from "@/lib/shared/pcm_ring.ts";
import type { Logger } from "./log.ts";
import type { UpstreamEvent } from "./upstream_event.ts";

/**
 * Seconds of forwarded audio kept: the longest span measured. 30 s covers a coaching turn (a
 * rehearsed answer or a paragraph of a talk) while keeping each relayed session at 1.4 MB; a
 * longer turn is measured on its last 30 s.
 */
export const HINT_WINDOW_SECONDS = 30;
/** The ring starts this long and doubles, up to the window, when a turn needs more. */
export const INITIAL_RING_SECONDS = 4;
/**
 * With server VAD and no speech under way, this much of the latest audio is kept: the service's
 * `speech_started` arrives well within it, carrying an `audio_start_ms` a prefix padding back.
 */
const IDLE_KEEP_MS = 3000;
/** A turn with less speech than this (seconds) gets no note. */
export const MIN_NOTE_SPEECH_SECONDS = 1;
/** The last this many notes are known by their ids (their answers come within a second). */
const MAX_KNOWN_NOTES = 32;
const COMMIT = '"type":"input_audio_buffer.commit"';
const CLEAR = '"type":"input_audio_buffer.clear"';
/** A service clock this far past the audio forwarded is not this session's clock. */
const CLOCK_SLACK_MS = 100;

/** Options of {@linkcode DeliveryHints}. */
export interface DeliveryHintsOptions {
  /** Sends one event (JSON text) upstream. */
  send: (text: string) => void;
  /** The session's logger. */
  log: Logger;
  /**
   * Seconds of audio the ring keeps.
   * @default {HINT_WINDOW_SECONDS}
   */
  windowSeconds?: number;
}

/** One note sent: what answers it, and where the browser's view of the conversation resumes. */
interface Note {
  itemId: string;
  eventId: string;
  /** The user's item it follows. */
  previousItemId: string;
}

/** The note text for a measured turn: one short paragraph of figures for the model. */
export function deliveryNote(d: Delivery): string {
  const parts = [
    `about ${wordsPerMinute(d.syllablesPerSecond)} words a minute (${
      d.syllablesPerSecond.toFixed(1)
    } syllables/s over ${d.speechSeconds.toFixed(1)} s of speech)`,
    d.pauses === 0
      ? "no pauses"
      : `${d.pauses} ${d.pauses === 1 ? "pause" : "pauses"}, longest ${
        d.longestPauseSeconds.toFixed(1)
      } s`,
    `loudness ${Math.round(d.loudnessDbfs)} dBFS`,
  ];
  if (d.pitchHz !== null) {
    parts.push(
      `pitch range ${d.pitchRangeSemitones.toFixed(1)} semitones around ${
        Math.round(d.pitchHz)
      } Hz`,
    );
  }
  return `Measured delivery of the user's last turn: ${parts.join(", ")}. ` +
    "Cite these figures when coaching pace, pauses or vocal variety; they are measured from " +
    "the audio, not guessed.";
}

/** Whether a turn has enough speech for its figures to mean something. */
function worthNoting(d: Delivery): boolean {
  return d.speechSeconds >= MIN_NOTE_SPEECH_SECONDS && d.syllables > 0;
}

/** See the module comment. */
export class DeliveryHints {
  #options: DeliveryHintsOptions;
  /** The audio forwarded in this upstream session, by sample position (see the module). */
  #ring: PcmRing;
  /** Turn detection is off (`session.updated` said `null`): a turn is what the browser commits. */
  #pushToTalk = false;
  /** Where the current turn began (bytes), and the browser's last commit since (or -1). */
  #turnStart = 0;
  #commitMark = -1;
  /** The speech events' item and span, in the service's clock (ms). */
  #speechItem: string | null = null;
  #speechStartMs = -1;
  #speechEndMs = -1;
  /** The last notes sent, by item id and by event id. */
  #byItem = new Map<string, Note>();
  #byEvent = new Map<string, Note>();

  constructor(options: DeliveryHintsOptions) {
    const seconds = options.windowSeconds ?? HINT_WINDOW_SECONDS;
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new RangeError(
        `Cannot keep delivery audio: a window of ${seconds} s is not a positive number; pass seconds, e.g. 60`,
      );
    }
    this.#options = options;
    const max = Math.round(seconds * WIRE_SAMPLE_RATE);
    this.#ring = new PcmRing({
      samples: Math.min(max, INITIAL_RING_SECONDS * WIRE_SAMPLE_RATE),
      maxSamples: max,
    });
  }

  /** Bytes the ring holds now (it grows with the longest turn, up to the window). */
  get ringBytes(): number {
    return this.#ring.bytes;
  }

  /** Bytes of audio forwarded so far: positions here are bytes of the input clock. */
  get #written(): number {
    return this.#ring.written * BYTES_PER_SAMPLE;
  }

  /** Milliseconds of audio forwarded so far (the relay's side of the input clock). */
  get audioMs(): number {
    return this.#written / BYTES_PER_MS;
  }

  /**
   * One message the relay sent upstream: `audio` is an append's PCM16 (copied into the ring),
   * null for any other event (a commit or clear is noted).
   */
  forwarded(text: string, audio: Uint8Array | null): void {
    // Events other than appends go upstream re-serialized (no spaces), their type checked.
    if (audio !== null) this.#tap(audio);
    else if (text.includes(COMMIT)) this.#commitMark = this.#written;
    else if (text.includes(CLEAR)) this.#startTurn(this.#written);
  }

  /**
   * Reads one upstream event. Returns the text to forward to the browser (`text`, or with a
   * note's id replaced), or null when the event answers a note and is not for the browser.
   */
  observe(event: UpstreamEvent, text: string): string | null {
    switch (event.type) {
      case "session.updated": {
        const input = (event.session as { audio?: { input?: { turn_detection?: unknown } } })
          ?.audio?.input;
        if (input && "turn_detection" in input) this.#pushToTalk = input.turn_detection === null;
        return text;
      }
      case "input_audio_buffer.speech_started":
        this.#speechItem = str(event.item_id);
        this.#speechStartMs = num(event.audio_start_ms);
        this.#speechEndMs = -1;
        return text;
      case "input_audio_buffer.speech_stopped":
        if (str(event.item_id) === this.#speechItem) this.#speechEndMs = num(event.audio_end_ms);
        return text;
      case "input_audio_buffer.committed":
        this.#committed(str(event.item_id));
        return this.#shown(event, text);
      case "input_audio_buffer.cleared":
        this.#startTurn(this.#written);
        this.#speechItem = null;
        return text;
      case "conversation.item.added":
      case "conversation.item.done": {
        const note = this.#byItem.get(str((event.item as { id?: unknown } | undefined)?.id) ?? "");
        return note === undefined ? this.#shown(event, text) : null;
      }
      case "error": {
        const eventId = str((event.error as { event_id?: unknown } | undefined)?.event_id);
        const note = eventId === null ? undefined : this.#byEvent.get(eventId);
        if (note === undefined) return text;
        const error = event.error as { code?: unknown; message?: unknown };
        this.#options.log.warn("upstream refused a delivery note", {
          code: String(error.code ?? "null"),
          message: String(error.message ?? ""),
          item: note.previousItemId,
        });
        return null;
      }
      default:
        return this.#shown(event, text);
    }
  }

  /**
   * Where the audio still needed begins (bytes of the input clock): the turn since the last
   * commit or clear in push-to-talk, the speech under way with server VAD, else the latest
   * {@linkcode IDLE_KEEP_MS}.
   */
  #neededFrom(): number {
    if (this.#pushToTalk) return this.#turnStart;
    if (this.#speechItem !== null && this.#speechStartMs >= 0) {
      return Math.max(this.#turnStart, Math.round(this.#speechStartMs) * BYTES_PER_MS);
    }
    return Math.max(this.#turnStart, this.#written - IDLE_KEEP_MS * BYTES_PER_MS);
  }

  #tap(audio: Uint8Array): void {
    const needed = this.#written + audio.length - this.#neededFrom();
    this.#ring.reserve(Math.ceil(needed / BYTES_PER_SAMPLE));
    this.#ring.write(audio);
  }

  #startTurn(at: number): void {
    this.#turnStart = at;
    this.#commitMark = -1;
  }

  /** A turn was committed: picks its span, then measures it once `committed` is forwarded. */
  #committed(itemId: string | null): void {
    const oldest = this.#ring.oldest * BYTES_PER_SAMPLE;
    let start = -1;
    let end = -1;
    if (itemId !== null && itemId === this.#speechItem && this.#speechStartMs >= 0) {
      const endMs = this.#speechEndMs >= 0 ? this.#speechEndMs : this.audioMs;
      start = Math.round(this.#speechStartMs) * BYTES_PER_MS;
      end = Math.min(Math.round(endMs) * BYTES_PER_MS, this.#written);
      const fits = endMs <= this.audioMs + CLOCK_SLACK_MS && end > oldest && start < end;
      if (!fits) start = end = -1;
    }
    if (start < 0) {
      end = this.#commitMark >= 0 ? this.#commitMark : this.#written;
      start = this.#turnStart;
    }
    start = Math.max(start, oldest);
    this.#speechItem = null;
    this.#startTurn(Math.max(end, this.#turnStart));
    if (itemId === null || end <= start) return;
    queueMicrotask(() => this.#note(itemId, start, end));
  }

  /** Measures `[start, end)` (bytes of the input clock) and sends the note, if worth one. */
  #note(itemId: string, start: number, end: number): void {
    const began = performance.now();
    const samples = this.#ring.read(start / BYTES_PER_SAMPLE, end / BYTES_PER_SAMPLE);
    const d = analyzeDelivery(samples, WIRE_SAMPLE_RATE);
    const ms = performance.now() - began;
    const fields = {
      item: itemId,
      turnSeconds: samples.length / WIRE_SAMPLE_RATE,
      speechSeconds: d.speechSeconds,
      ms: Math.round(ms * 100) / 100,
    };
    if (!worthNoting(d)) {
      this.#options.log.debug("delivery not noted: too little speech", fields);
      return;
    }
    const note: Note = { itemId: newId("item"), eventId: newId("event"), previousItemId: itemId };
    this.#options.send(JSON.stringify({
      type: "conversation.item.create",
      event_id: note.eventId,
      previous_item_id: itemId,
      item: {
        id: note.itemId,
        type: "message",
        role: "system",
        content: [{ type: "input_text", text: deliveryNote(d) }],
      },
    }));
    this.#byItem.set(note.itemId, note);
    this.#byEvent.set(note.eventId, note);
    if (this.#byItem.size > MAX_KNOWN_NOTES) {
      const oldest = this.#byItem.values().next().value!;
      this.#byItem.delete(oldest.itemId);
      this.#byEvent.delete(oldest.eventId);
    }
    this.#options.log.debug("delivery noted", { ...fields, note: note.itemId });
  }

  /**
   * `text` as the browser may see it: an item the service placed after a note is placed after
   * the note's own predecessor instead (only then is the event written again).
   */
  #shown(event: UpstreamEvent, text: string): string {
    const previous = typeof event.previous_item_id === "string" ? event.previous_item_id : null;
    const note = previous === null ? undefined : this.#byItem.get(previous);
    if (note === undefined) return text;
    return JSON.stringify({ ...event, previous_item_id: note.previousItemId });
  }
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : -1;
}
