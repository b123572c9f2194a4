import { deepEqual, equal, rejects } from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { SessionRecorder } from "./recorder.ts";
import { readWav } from "./wav.ts";
import { tempDir } from "@/tests/temp_dir.ts";

function pcm(values: number[]): Uint8Array {
  return new Uint8Array(Int16Array.from(values).buffer);
}

Deno.test("SessionRecorder writes exactly the pushed audio and fixes headers on close", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const recorder = await SessionRecorder.open(dir, "sess_abc");
  recorder.input(pcm([1, 2, 3]));
  recorder.input(pcm([-4, 5]));
  recorder.output(pcm([9]));
  equal(recorder.inputBytes, 10);
  await recorder.close();
  const input = readWav(await Deno.readFile(`${dir}/sess_abc.input.wav`));
  equal(input.sampleRate, 24000);
  equal(input.channels, 1);
  deepEqual([...input.samples], [1, 2, 3, -4, 5]);
  const bytes = await Deno.readFile(`${dir}/sess_abc.output.wav`);
  equal(new DataView(bytes.buffer).getUint32(40, true), 2);
  deepEqual([...readWav(bytes).samples], [9]);
});

Deno.test("SessionRecorder leaves a valid file on disk within a second, before close", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const clock = FakeTimers.install({ toFake: ["setInterval", "clearInterval"] });
  try {
    const recorder = await SessionRecorder.open(dir, "sess_live");
    recorder.input(pcm([7, 8]));
    const read =
      async () => [...readWav(await Deno.readFile(`${dir}/sess_live.input.wav`)).samples];
    deepEqual(await read(), []);
    clock.tick(1000);
    // The flush is asynchronous file I/O: poll the real file system briefly.
    let samples: number[] = [];
    for (let i = 0; i < 100 && samples.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      samples = await read();
    }
    deepEqual(samples, [7, 8]);
    const header = await Deno.readFile(`${dir}/sess_live.input.wav`);
    equal(new DataView(header.buffer).getUint32(40, true), 4);
    await recorder.close();
  } finally {
    clock.uninstall();
  }
});

Deno.test("SessionRecorder refuses a session id that is not a safe file name", async () => {
  await using tmp = await tempDir();
  await rejects(SessionRecorder.open(tmp.path, "../etc/x"), TypeError);
});
