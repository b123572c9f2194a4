import { deepEqual, equal, ok } from "node:assert/strict";
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { concat } from "./bytes.ts";
import {
  fixturePath,
  readFixturePcm,
  silence,
  speechFrames,
  speechPcm,
  speechTruth,
} from "./fixtures.ts";

Deno.test("speechPcm() is the speech fixture's samples, as long as its truth file says", async () => {
  const pcm = await speechPcm();
  const truth = await speechTruth();
  equal(truth.sampleRate, 24000);
  equal(pcm.length, truth.samples * 2);
  equal(truth.utterances.map((u) => u.text).join(" "), "hello practice thanks");
  deepEqual(await readFixturePcm("speech_24k.wav"), pcm);
});

Deno.test("speechFrames() cuts the fixture into whole 960-byte frames, in order", async () => {
  const pcm = await speechPcm();
  const frames = await speechFrames();
  ok(frames.every((f) => f.length === FRAME_BYTES));
  equal(frames.length, Math.floor(pcm.length / FRAME_BYTES));
  deepEqual(concat(frames), pcm.subarray(0, frames.length * FRAME_BYTES));
  equal((await speechFrames(FRAME_BYTES * 3 + 5)).length, 3);
});

Deno.test("fixturePath() points into tests/fixtures/, and silence() is zeros at 24 kHz", async () => {
  ok(fixturePath("delivery/jfk.wav").endsWith("/tests/fixtures/delivery/jfk.wav"));
  ok((await Deno.stat(fixturePath("delivery/jfk.wav"))).isFile);
  const quiet = silence(20);
  equal(quiet.length, FRAME_BYTES);
  ok(quiet.every((b) => b === 0));
});
