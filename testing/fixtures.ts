/**
 * The recorded fixtures in `tests/fixtures/` as tests and tools read them: any WAV as its
 * 24 kHz PCM16 bytes, the speech fixture (`speech_24k.wav`, three espeak-ng utterances) whole
 * or cut by the shared Framer into the 20 ms frames (960 bytes) the page sends, where its
 * utterances are, and silence. `scripts/make_fixtures.sh` makes them.
 *
 * @module
 */
import { BYTES_PER_MS } from "@/lib/shared/audio_format.ts";
import { Framer } from "@/lib/shared/framer.ts";
import { readWav } from "@/lib/server/wav.ts";
import { bytesOf } from "./bytes.ts";

const FIXTURES = new URL("../tests/fixtures/", import.meta.url);

/** The absolute path of fixture `name` (`speech_24k.wav`, `delivery/jfk.wav`…). */
export function fixturePath(name: string): string {
  return new URL(name, FIXTURES).pathname;
}

/** A fixture WAV's PCM16 bytes (the WAV's own rate and channels). */
export async function readFixturePcm(name: string): Promise<Uint8Array> {
  return bytesOf(readWav(await Deno.readFile(fixturePath(name))).samples);
}

/** A JSON fixture, parsed. */
export async function readFixtureJson<T>(name: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(fixturePath(name))) as T;
}

/** Where the words are in a speech fixture: the `.json` that make_fixtures.sh writes beside its `.wav`. */
export interface SpeechTruth {
  sampleRate: number;
  samples: number;
  durationMs: number;
  utterances: {
    text: string;
    startSample: number;
    endSample: number;
    startMs: number;
    endMs: number;
  }[];
}

/** The speech fixture's PCM16 bytes (24 kHz mono). */
export function speechPcm(): Promise<Uint8Array> {
  return readFixturePcm("speech_24k.wav");
}

/** The speech fixture (or its first `maxBytes`) as 960-byte frames, in order; a partial last frame is dropped. */
export async function speechFrames(maxBytes = Infinity): Promise<Uint8Array[]> {
  const pcm = await speechPcm();
  return new Framer().push(pcm.subarray(0, Math.min(pcm.length, maxBytes)));
}

/** Where the speech fixture's three utterances start and end. */
export function speechTruth(): Promise<SpeechTruth> {
  return readFixtureJson<SpeechTruth>("speech_24k.json");
}

/** `ms` of digital silence as 24 kHz PCM16 bytes. */
export function silence(ms: number): Uint8Array {
  return new Uint8Array(Math.round(ms * BYTES_PER_MS));
}
