import { deepEqual, equal, throws } from "node:assert/strict";
import { readWav, WAV_HEADER_BYTES, wavHeader } from "./wav.ts";

function wavFile(samples: Int16Array, rate = 24000, channels = 1): Uint8Array {
  const data = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = new Uint8Array(WAV_HEADER_BYTES + data.length);
  out.set(wavHeader(rate, channels, data.length));
  out.set(data, WAV_HEADER_BYTES);
  return out;
}

Deno.test("wavHeader() writes the canonical 44-byte PCM16 header", () => {
  const header = wavHeader(24000, 1, 960);
  const view = new DataView(header.buffer);
  equal(new TextDecoder().decode(header.subarray(0, 4)), "RIFF");
  equal(view.getUint32(4, true), 36 + 960);
  equal(view.getUint32(24, true), 24000);
  equal(view.getUint32(28, true), 48000);
  equal(view.getUint16(32, true), 2);
  equal(view.getUint32(40, true), 960);
});

Deno.test("readWav() round-trips what wavHeader() describes", () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
  const wav = readWav(wavFile(samples, 48000, 2));
  equal(wav.sampleRate, 48000);
  equal(wav.channels, 2);
  deepEqual([...wav.samples], [...samples]);
});

Deno.test("readWav() skips unknown chunks and tolerates an unfixed data size", () => {
  const samples = Int16Array.from([5, -5, 7]);
  const file = wavFile(samples);
  new DataView(file.buffer).setUint32(40, 0, true); // as a crashed writer leaves it
  const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 2, 0, 0, 0, 9, 9]);
  const withList = new Uint8Array(file.length + list.length);
  withList.set(file.subarray(0, 36));
  withList.set(list, 36);
  withList.set(file.subarray(36), 36 + list.length);
  deepEqual([...readWav(withList).samples], [5, -5, 7]);
});

Deno.test("readWav() throws SyntaxError on bytes that are not PCM16 WAV", () => {
  throws(() => readWav(new Uint8Array(10)), SyntaxError);
  const float = wavFile(Int16Array.from([1]));
  new DataView(float.buffer).setUint16(34, 32, true);
  throws(() => readWav(float), SyntaxError);
});
