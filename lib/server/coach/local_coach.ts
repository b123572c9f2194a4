/**
 * What the local coach (the embedded emulator's answers, `LOCAL_COACH`) says to a user turn,
 * and its voice for it.
 *
 * | turn           | `delivery` (default)                                   | `echo`                        |
 * | -------------- | ------------------------------------------------------ | ----------------------------- |
 * | spoken (audio) | feedback on the turn's measured delivery (feedback.ts) | the turn's own audio, played back |
 * | typed (text)   | {@linkcode TYPED_TURN}: say it aloud to be measured    | "You typed: …", spoken        |
 * | none yet       | {@linkcode NO_SPEECH}                                  | a short tone                  |
 *
 * ```ts
 * const words = coachWords("delivery", { type: "audio", pcm }); // "About 150 words a minute — …"
 * const audio = await speakWords(synth, words, { signal });      // 24 kHz PCM16 bytes
 * ```
 *
 * Measuring runs on the caller's thread (about 0.5 ms per second of speech,
 * `bench/delivery_bench.ts`); speaking runs in the synth's worker.
 *
 * @module
 */

import { MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import { WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { analyzeDelivery, type Delivery, NO_DELIVERY } from "@/lib/shared/delivery.ts";
import { pcm16ToFloat } from "@/lib/shared/pcm16.ts";
import { deliveryFeedback, TYPED_TURN } from "./feedback.ts";
import type { SpeechSynth } from "./speech.ts";

/** What the local coach answers with (`LOCAL_COACH`). */
export type LocalCoachMode = "delivery" | "echo";

/** The user turn a reply answers: its 24 kHz PCM16 audio, or the text the user typed. */
export type UserTurn =
  | { type: "audio"; pcm: Uint8Array }
  | { type: "text"; text: string };

/** What the echo says before reading a typed turn back. */
export const TYPED_ECHO_PREFIX = "You typed: ";

/** The longest reply the coach speaks, in characters: a typed turn read back whole. */
export const MAX_REPLY_CHARS = TYPED_ECHO_PREFIX.length + MAX_TYPED_TEXT_CHARS + 1;

/**
 * The words of the coach's reply to `turn` (null: no user turn yet), or null when the reply is
 * no words at all: the echo plays a spoken turn back as it is.
 */
export function coachWords(mode: LocalCoachMode, turn: UserTurn | null): string | null {
  if (turn?.type === "text") return mode === "delivery" ? TYPED_TURN : typedEcho(turn.text);
  if (mode === "echo") return null;
  return deliveryFeedback(turn === null ? NO_DELIVERY : measureTurn(turn.pcm));
}

/** The delivery of a turn of 24 kHz PCM16 (little-endian bytes). */
export function measureTurn(pcm: Uint8Array): Delivery {
  return analyzeDelivery(pcm16ToFloat(pcm), WIRE_SAMPLE_RATE);
}

/** The echo's reading of a typed turn, cut to {@linkcode MAX_TYPED_TEXT_CHARS}. */
export function typedEcho(text: string): string {
  const words = text.trim();
  const cut = words.length > MAX_TYPED_TEXT_CHARS
    ? `${words.slice(0, MAX_TYPED_TEXT_CHARS).trimEnd()}…`
    : words;
  return `${TYPED_ECHO_PREFIX}${cut}`;
}

/** Options of {@linkcode speakWords}. */
export interface SpeakWordsOptions {
  /** Abandons the synthesis (a cancelled or interrupted reply). */
  signal?: AbortSignal;
  /** Told why the words could not be spoken (the reply then has none of its audio). */
  onError?: (error: Error) => void;
}

/**
 * `words` spoken by `synth` as 24 kHz PCM16 bytes. Never rejects: a failure (the synth
 * closed, its queue full, the engine unable to start) or an abort resolves to no audio,
 * and a failure is reported to `onError`.
 */
export async function speakWords(
  synth: SpeechSynth,
  words: string,
  options: SpeakWordsOptions = {},
): Promise<Uint8Array> {
  try {
    const pcm = await synth.synthesize(words, { signal: options.signal });
    return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  } catch (error) {
    if (!options.signal?.aborted) {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
    return new Uint8Array(0);
  }
}
