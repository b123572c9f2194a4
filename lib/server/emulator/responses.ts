/**
 * The emulator's responses, in the GA event order of docs/protocol.md §8.1 steps 7–16: the
 * "echo coach" plays the user's last utterance back as `response.output_audio.delta` chunks
 * with an honest transcript ("(local echo of 1.8 s of your speech)"); the delivery coach's
 * words (`coach/local_coach.ts`) go out the same way once its voice has synthesized them.
 *
 * Deltas are paced with one timer, `speedup` times faster than real time (the real service
 * also streams ahead of playback), and stop at once on {@linkcode EchoResponse.cancel}. The
 * emulator never invents words the user did not say: the transcript only states what the
 * audio is.
 *
 * @module
 */

import { BYTES_PER_MS, WIRE_SAMPLE_RATE } from "../../shared/audio_format.ts";
import { encodeBase64 } from "../../shared/base64.ts";
import { newId } from "../../shared/ids.ts";
import type {
  AssistantMessageItem,
  AudioFormat,
  ContentPart,
  MaxOutputTokens,
  OutputModalities,
  RealtimeResponse,
  ResponseStatusDetails,
  ResponseUsage,
  ServerEvent,
  Voice,
} from "../../shared/realtime/mod.ts";

/** Audio per `response.output_audio.delta`. */
export const CHUNK_MS = 100;
/** Length of the tone played when there is nothing to echo. */
export const TONE_MS = 500;
/** Output token estimates: GA bills roughly 20 audio tokens per second of speech. */
const AUDIO_TOKENS_PER_SECOND = 20;
/** Input audio: roughly 10 tokens per second. */
const INPUT_AUDIO_TOKENS_PER_SECOND = 10;
/** Text: roughly 4 characters per token. */
const CHARS_PER_TOKEN = 4;

/** Why a response stopped early. */
export type CancelReason = "turn_detected" | "client_cancelled";

/** What to say and play. */
export interface EchoContent {
  /**
   * 24 kHz mono PCM16 to play (empty for text responses), or its promise while it is being
   * synthesized: the response then opens at once and its deltas begin when the audio is
   * there. The promise must not reject (no audio: resolve to an empty array).
   */
  audio: Uint8Array | Promise<Uint8Array>;
  /** The assistant transcript (or text): exactly the words of the audio. */
  text: string;
}

/** Honest text for an echo of `audioMs` of user speech, or for the tone when there is none. */
export function echoTranscript(audioMs: number | null, modality: "audio" | "text"): string {
  if (audioMs === null) {
    return modality === "audio"
      ? "(local emulator: there is no speech to echo yet, so this is a short tone)"
      : "(local emulator: there is no speech to echo yet)";
  }
  const seconds = (audioMs / 1000).toFixed(1);
  return modality === "audio"
    ? `(local echo of ${seconds} s of your speech)`
    : `(local emulator: text replies are not generated; your last turn had ${seconds} s of speech)`;
}

/**
 * What the echo coach answers: the user's audio played back, or, when there is none, a
 * short quiet 440 Hz tone.
 */
export function echoContent(
  userAudio: Uint8Array | null,
  modality: "audio" | "text",
): EchoContent & { audio: Uint8Array } {
  const audioMs = userAudio && userAudio.length > 0 ? userAudio.length / BYTES_PER_MS : null;
  const text = echoTranscript(audioMs, modality);
  if (modality === "text") return { audio: new Uint8Array(0), text };
  return { audio: audioMs === null ? tone(TONE_MS) : userAudio!, text };
}

/** A 440 Hz tone at −20 dBFS with 10 ms fades, as 24 kHz PCM16. */
export function tone(ms: number): Uint8Array {
  const samples = new Int16Array(Math.round((ms * WIRE_SAMPLE_RATE) / 1000));
  const fade = WIRE_SAMPLE_RATE / 100;
  for (let i = 0; i < samples.length; i++) {
    const envelope = Math.min(1, i / fade, (samples.length - 1 - i) / fade);
    samples[i] = Math.round(3277 * envelope * Math.sin((2 * Math.PI * 440 * i) / WIRE_SAMPLE_RATE));
  }
  return new Uint8Array(samples.buffer);
}

/** Splits text into `count` consecutive pieces of whole words, front-loaded (some may be empty). */
export function splitText(text: string, count: number): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const pieces: string[] = [];
  let taken = 0;
  for (let i = 1; i <= count; i++) {
    // Rounded up, so the transcript runs slightly ahead of the audio, as the service's does.
    const upTo = Math.ceil((words.length * i) / count);
    pieces.push(words.slice(taken, upTo).join(""));
    taken = upTo;
  }
  return pieces;
}

/** Plausible token counts for a response (GA reports tokens; these are estimates). */
export function estimateUsage(
  input: { textChars: number; audioMs: number },
  output: { textChars: number; audioMs: number },
): ResponseUsage {
  const inputText = Math.ceil(input.textChars / CHARS_PER_TOKEN);
  const inputAudio = Math.ceil((input.audioMs / 1000) * INPUT_AUDIO_TOKENS_PER_SECOND);
  const outputText = Math.ceil(output.textChars / CHARS_PER_TOKEN);
  const outputAudio = Math.ceil((output.audioMs / 1000) * AUDIO_TOKENS_PER_SECOND);
  const inputTokens = inputText + inputAudio;
  const outputTokens = outputText + outputAudio;
  return {
    total_tokens: inputTokens + outputTokens,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    input_token_details: {
      text_tokens: inputText,
      audio_tokens: inputAudio,
      image_tokens: 0,
      cached_tokens: 0,
      cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
    },
    output_token_details: { text_tokens: outputText, audio_tokens: outputAudio },
  };
}

/** Settings of one response, resolved from the session and the `response.create` overrides. */
export interface EchoResponseOptions {
  content: EchoContent;
  modalities: OutputModalities;
  format: AudioFormat;
  voice: Voice;
  maxOutputTokens: MaxOutputTokens;
  metadata: Record<string, string> | null;
  /** null for an out-of-band response (`conversation: "none"`): no conversation events. */
  conversationId: string | null;
  /** The conversation's last item before this response's item. */
  previousItemId: string | null;
  /** What the model "read", for the usage estimate. */
  input: { textChars: number; audioMs: number };
  /** Deltas go out this many times faster than real time (> 0). */
  speedup: number;
}

/** Where a response's events and milestones go. */
export interface EchoResponseHooks {
  send(event: ServerEvent): void;
  /** Converts 24 kHz PCM16 to the output format (identity for `audio/pcm`). */
  encode(pcm: Uint8Array): Uint8Array;
  /** Called before the first audio delta goes out (the session locks its voice). */
  firstAudio(): void;
  /** Called after `response.done`, whatever the outcome. */
  done(response: EchoResponse): void;
}

/** Server events minus the id, which `send` adds. */
type Unsent<T> = T extends ServerEvent ? Omit<T, "event_id"> : never;

/**
 * One response: construct, {@linkcode start}, then it finishes by itself or by
 * {@linkcode cancel}; {@linkcode dispose} stops it silently (the socket is gone). With audio
 * still being synthesized, `start()` sends the opening events and the deltas follow once the
 * audio is there; a cancel meanwhile ends the response without any.
 */
export class EchoResponse {
  readonly id: string = newId("resp");
  readonly itemId: string = newId("item");
  #options: EchoResponseOptions;
  #hooks: EchoResponseHooks;
  #item: AssistantMessageItem;
  #audio: Uint8Array = new Uint8Array(0);
  #audioChunks: Uint8Array[] = [];
  #textPieces: string[] = [];
  #next = 0;
  #sentAudioBytes = 0;
  #sentText = "";
  #startedAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #status: RealtimeResponse["status"] = "in_progress";
  #statusDetails: ResponseStatusDetails | null = null;

  constructor(options: EchoResponseOptions, hooks: EchoResponseHooks) {
    if (!(options.speedup > 0)) {
      throw new RangeError(`Cannot create response: speedup ${options.speedup} is not above 0`);
    }
    this.#options = options;
    this.#hooks = hooks;
    this.#item = {
      id: this.itemId,
      object: "realtime.item",
      type: "message",
      status: "in_progress",
      role: "assistant",
      content: [],
    };
    const { audio } = options.content;
    if (!this.#isAudio) this.#load(new Uint8Array(0));
    else if (audio instanceof Uint8Array) this.#load(audio);
  }

  /** Whether the response is still producing deltas. */
  get active(): boolean {
    return this.#status === "in_progress";
  }

  /** The assistant item as it stands (content filled in once done). */
  get item(): AssistantMessageItem {
    return this.#item;
  }

  /** The 24 kHz PCM16 actually sent so far (what the item holds). */
  get sentAudio(): Uint8Array {
    return this.#audio.subarray(0, this.#sentAudioBytes);
  }

  /** Sends steps 7–10 of docs/protocol.md §8.1 and schedules the deltas. */
  start(): void {
    this.#startedAt = performance.now();
    this.#send({ type: "response.created", response: this.#response(null) });
    this.#sendOutputItem("response.output_item.added");
    this.#sendConversationItem("conversation.item.added");
    this.#send({
      type: "response.content_part.added",
      ...this.#contentIds(),
      part: this.#isAudio ? { type: "audio", transcript: "" } : { type: "text", text: "" },
    });
    if (this.#textPieces.length > 0) return this.#schedule();
    (this.#options.content.audio as Promise<Uint8Array>).then((audio) => {
      if (!this.active) return;
      this.#load(audio);
      // Pacing starts when the audio is there, as a service streams as it generates.
      this.#startedAt = performance.now();
      this.#schedule();
    });
  }

  /** Stops at once and reports `cancelled` with `reason`. No-op once finished. */
  cancel(reason: CancelReason): void {
    if (!this.active) return;
    this.#finish("cancelled", { type: "cancelled", reason });
  }

  /** Stops without sending anything (the connection is gone). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.active) this.#status = "cancelled";
  }

  get #isAudio(): boolean {
    return this.#options.modalities[0] === "audio";
  }

  /** Cuts `audio` into deltas and the text into as many pieces (one per word for text). */
  #load(audio: Uint8Array): void {
    const chunkBytes = CHUNK_MS * BYTES_PER_MS;
    this.#audio = audio;
    for (let offset = 0; offset < audio.length; offset += chunkBytes) {
      this.#audioChunks.push(audio.subarray(offset, offset + chunkBytes));
    }
    const text = this.#options.content.text;
    const ticks = this.#isAudio
      ? Math.max(1, this.#audioChunks.length)
      : Math.max(1, (text.match(/\S+/g) ?? []).length);
    this.#textPieces = splitText(text, ticks);
  }

  #send(event: Unsent<ServerEvent>): void {
    this.#hooks.send({ event_id: newId("event"), ...event } as ServerEvent);
  }

  /** The item as the response's output, when it begins or ends. */
  #sendOutputItem(type: "response.output_item.added" | "response.output_item.done"): void {
    this.#send({ type, response_id: this.id, output_index: 0, item: structuredClone(this.#item) });
  }

  /** The item as the conversation's, when the response is in the conversation. */
  #sendConversationItem(type: "conversation.item.added" | "conversation.item.done"): void {
    if (this.#options.conversationId === null) return;
    const previous_item_id = this.#options.previousItemId;
    this.#send({ type, previous_item_id, item: structuredClone(this.#item) });
  }

  #contentIds() {
    return { response_id: this.id, item_id: this.itemId, output_index: 0, content_index: 0 };
  }

  #schedule(): void {
    // Due times are absolute from the start, so timer lateness does not accumulate.
    const due = this.#startedAt + (this.#next * CHUNK_MS) / this.#options.speedup;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, due - performance.now()));
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.active) return;
    const index = this.#next++;
    const piece = this.#textPieces[index] ?? "";
    const chunk = this.#audioChunks[index];
    if (this.#wouldExceedTokens(piece, chunk)) {
      this.#finish("incomplete", { type: "incomplete", reason: "max_output_tokens" });
      return;
    }
    if (piece !== "") {
      this.#sentText += piece;
      this.#send({
        type: this.#isAudio
          ? "response.output_audio_transcript.delta"
          : "response.output_text.delta",
        ...this.#contentIds(),
        delta: piece,
      });
    }
    if (chunk) {
      if (this.#sentAudioBytes === 0) this.#hooks.firstAudio();
      this.#sentAudioBytes += chunk.length;
      this.#send({
        type: "response.output_audio.delta",
        ...this.#contentIds(),
        delta: encodeBase64(this.#hooks.encode(chunk)),
      });
    }
    if (this.#next >= this.#textPieces.length) {
      this.#finish("completed", null);
    } else {
      this.#schedule();
    }
  }

  #wouldExceedTokens(piece: string, chunk: Uint8Array | undefined): boolean {
    const max = this.#options.maxOutputTokens;
    if (max === "inf") return false;
    const usage = estimateUsage({ textChars: 0, audioMs: 0 }, {
      textChars: this.#sentText.length + piece.length,
      audioMs: (this.#sentAudioBytes + (chunk?.length ?? 0)) / BYTES_PER_MS,
    });
    return usage.output_tokens > max;
  }

  /** Steps 12–16: closes the part, the item and the response. */
  #finish(status: RealtimeResponse["status"], details: ResponseStatusDetails | null): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#status = status;
    this.#statusDetails = details;
    const text = this.#sentText;
    let part: ContentPart;
    if (this.#isAudio) {
      this.#send({ type: "response.output_audio.done", ...this.#contentIds() });
      this.#send({
        type: "response.output_audio_transcript.done",
        ...this.#contentIds(),
        transcript: text,
      });
      part = { type: "audio", transcript: text };
      this.#item.content = [{ type: "output_audio", transcript: text }];
    } else {
      this.#send({ type: "response.output_text.done", ...this.#contentIds(), text });
      part = { type: "text", text };
      this.#item.content = [{ type: "output_text", text }];
    }
    this.#item.status = status === "completed" ? "completed" : "incomplete";
    this.#send({ type: "response.content_part.done", ...this.#contentIds(), part });
    this.#sendConversationItem("conversation.item.done");
    this.#sendOutputItem("response.output_item.done");
    const usage = estimateUsage(this.#options.input, {
      textChars: text.length,
      audioMs: this.#sentAudioBytes / BYTES_PER_MS,
    });
    this.#send({ type: "response.done", response: this.#response(usage) });
    this.#hooks.done(this);
  }

  /** The response object; `output` holds the item once it has content. */
  #response(usage: ResponseUsage | null): RealtimeResponse {
    const o = this.#options;
    return {
      object: "realtime.response",
      id: this.id,
      status: this.#status,
      status_details: this.#statusDetails,
      output: this.#item.content.length > 0 ? [structuredClone(this.#item)] : [],
      conversation_id: o.conversationId,
      output_modalities: o.modalities,
      max_output_tokens: o.maxOutputTokens,
      audio: { output: { format: o.format, voice: o.voice } },
      usage,
      metadata: o.metadata,
    };
  }

  /** Output tokens so far, for rate limits. */
  get usage(): ResponseUsage {
    return estimateUsage(this.#options.input, {
      textChars: this.#sentText.length,
      audioMs: this.#sentAudioBytes / BYTES_PER_MS,
    });
  }
}
