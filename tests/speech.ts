/**
 * The recorded speech fixture (`tests/fixtures/speech_24k.wav`, 24 kHz mono PCM16, three
 * espeak-ng utterances) as the tests and tools stream it: whole, or cut by the shared Framer
 * into the 20 ms frames (960 bytes) the page sends. A trailing partial frame is dropped.
 *
 * @module
 */
import { Framer } from "@/lib/shared/framer.ts";
import { readWav } from "@/lib/server/wav.ts";

const FIXTURE = new URL("./fixtures/speech_24k.wav", import.meta.url);

/** The fixture's PCM16 bytes. */
export async function speechPcm(): Promise<Uint8Array> {
  const { samples } = readWav(await Deno.readFile(FIXTURE));
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** The fixture (or its first `maxBytes`) as 960-byte frames, in order. */
export async function speechFrames(maxBytes = Infinity): Promise<Uint8Array[]> {
  const pcm = await speechPcm();
  return new Framer().push(pcm.subarray(0, Math.min(pcm.length, maxBytes)));
}
