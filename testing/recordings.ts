/**
 * What the relay recorded (`RECORD_DIR`), read back for a test: a WAV file's audio after
 * checking that its header's sizes match the file, and the one session's input and output.
 *
 * @module
 */
import { equal } from "node:assert/strict";
import { WAV_HEADER_BYTES } from "@/lib/server/wav.ts";

/** A recorded WAV file's PCM bytes, after asserting that its RIFF and data sizes match the file. */
export async function wavData(path: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  equal(view.getUint32(4, true), bytes.length - 8, `${path}: RIFF size`);
  equal(view.getUint32(40, true), bytes.length - WAV_HEADER_BYTES, `${path}: data size`);
  return bytes.subarray(WAV_HEADER_BYTES);
}

/** The recordings in `dir`, by session: the names before `.input.wav`. */
export function recordedSessions(dir: string): string[] {
  return [...Deno.readDirSync(dir)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".input.wav"))
    .map((name) => name.slice(0, -".input.wav".length))
    .sort();
}

/** The one session recorded in `dir`: its input and output audio, headers checked. */
export async function readRecording(
  dir: string,
): Promise<{ input: Uint8Array; output: Uint8Array }> {
  const sessions = recordedSessions(dir);
  equal(sessions.length, 1, `one recording in ${dir}: ${sessions.join(", ")}`);
  const base = `${dir}/${sessions[0]}`;
  return { input: await wavData(`${base}.input.wav`), output: await wavData(`${base}.output.wav`) };
}

/** Null when `actual` is exactly `chunks` joined; else where it first differs. */
export function sameAudio(actual: Uint8Array, chunks: readonly Uint8Array[]): string | null {
  let offset = 0;
  for (const [i, chunk] of chunks.entries()) {
    for (let j = 0; j < chunk.length; j++) {
      if (actual[offset + j] !== chunk[j]) {
        return `chunk ${i} differs at byte ${j} (offset ${offset + j} of ${actual.length})`;
      }
    }
    offset += chunk.length;
  }
  return offset === actual.length ? null : `${actual.length} bytes recorded, ${offset} expected`;
}
