import { deepEqual, equal, rejects } from "node:assert/strict";
import { wavHeader } from "@/lib/server/wav.ts";
import { concat } from "./bytes.ts";
import { readRecording, recordedSessions, sameAudio, wavData } from "./recordings.ts";
import { tempDir } from "./temp_dir.ts";

function wav(data: Uint8Array): Uint8Array {
  return concat([wavHeader(24000, 1, data.length), data]);
}

Deno.test("readRecording() reads the one session's input and output after checking their headers", async () => {
  await using tmp = await tempDir();
  await Deno.writeFile(`${tmp.path}/relay_a.input.wav`, wav(new Uint8Array([1, 2, 3, 4])));
  await Deno.writeFile(`${tmp.path}/relay_a.output.wav`, wav(new Uint8Array([5, 6])));
  deepEqual(recordedSessions(tmp.path), ["relay_a"]);
  deepEqual(await readRecording(tmp.path), {
    input: new Uint8Array([1, 2, 3, 4]),
    output: new Uint8Array([5, 6]),
  });
  // A header whose sizes do not match the file fails.
  await Deno.writeFile(`${tmp.path}/bad.wav`, concat([wavHeader(24000, 1, 8), new Uint8Array(4)]));
  await rejects(wavData(`${tmp.path}/bad.wav`), /RIFF size/);
  // Two sessions are not one.
  await Deno.writeFile(`${tmp.path}/relay_b.input.wav`, wav(new Uint8Array()));
  await rejects(readRecording(tmp.path), /one recording/);
});

Deno.test("sameAudio() finds the first difference, or a length mismatch", () => {
  const chunks = [new Uint8Array([1, 2]), new Uint8Array([3])];
  equal(sameAudio(new Uint8Array([1, 2, 3]), chunks), null);
  equal(sameAudio(new Uint8Array([1, 2, 4]), chunks), "chunk 1 differs at byte 0 (offset 2 of 3)");
  equal(sameAudio(new Uint8Array([1, 2, 3, 0]), chunks), "4 bytes recorded, 3 expected");
  equal(sameAudio(new Uint8Array([9]), chunks), "chunk 0 differs at byte 0 (offset 0 of 1)");
});
