import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { Health } from "./health.ts";
import { createLogger } from "./log.ts";
import { RelayMetrics } from "./metrics.ts";
import { RelayRecording, type RelayRecordingOptions } from "./relay_recording.ts";
import { readWav } from "./wav.ts";

interface Rig {
  recording: RelayRecording;
  dir: string;
  logs: string[];
  metrics: RelayMetrics;
  health: Health;
  [Symbol.asyncDispose](): Promise<void>;
}

async function rig(overrides: Partial<RelayRecordingOptions> = {}): Promise<Rig> {
  const dir = await Deno.makeTempDir({ prefix: "relay_recording_test_" });
  const logs: string[] = [];
  const metrics = new RelayMetrics();
  const health = new Health({ recording: true });
  const recording = new RelayRecording({
    dir,
    sessionId: "relay_test",
    log: createLogger("debug", { sink: (line) => logs.push(line) }),
    metrics,
    health,
    ...overrides,
  });
  return {
    recording,
    dir,
    logs,
    metrics,
    health,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function failures(metrics: RelayMetrics): Promise<number> {
  return (await metrics.recordingFailures.get()).values[0]?.value ?? 0;
}

const bytesOf = (samples: Int16Array) =>
  new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength).slice();

const pcm = (bytes: number, seed: number) =>
  Uint8Array.from({ length: bytes }, (_, i) => (i * seed) % 256);

Deno.test("RelayRecording records nothing and opens no file without a directory", async () => {
  await using r = await rig({ dir: null });
  r.recording.open();
  await r.recording.ready();
  equal(r.recording.wantsInput, false);
  r.recording.input(pcm(960, 1));
  r.recording.output(encodeBase64(pcm(960, 2)));
  equal(await r.recording.finish(true), null);
  deepEqual(await Array.fromAsync(Deno.readDir(r.dir)), []);
  equal(r.health.report().recording, "ok");
});

Deno.test("RelayRecording writes the audio each way once ready, and keeps it at finish(true)", async () => {
  await using r = await rig();
  r.recording.open();
  r.recording.open(); // once only
  // Before ready(), nothing records: the session has not reached the upstream.
  r.recording.input(pcm(100, 9));
  await r.recording.ready();
  equal(r.recording.wantsInput, true);
  const input = [pcm(960, 3), pcm(960, 5)];
  const output = pcm(4800, 7);
  for (const frame of input) r.recording.input(frame);
  r.recording.output(encodeBase64(output));
  r.recording.output(42); // not a delta: skipped
  const recorder = await r.recording.finish(true);
  equal(recorder?.inputBytes, 1920);
  equal(recorder?.outputBytes, 4800);
  const inWav = readWav(await Deno.readFile(`${r.dir}/relay_test.input.wav`));
  equal(inWav.sampleRate, WIRE_SAMPLE_RATE);
  deepEqual(bytesOf(inWav.samples), new Uint8Array([...input[0], ...input[1]]));
  const outWav = readWav(await Deno.readFile(`${r.dir}/relay_test.output.wav`));
  deepEqual(bytesOf(outWav.samples), output);
  equal(await failures(r.metrics), 0);
});

Deno.test("RelayRecording removes its files at finish(false) and at discard()", async () => {
  for (const end of ["finish", "discard"] as const) {
    await using r = await rig();
    r.recording.open();
    await r.recording.ready();
    r.recording.input(pcm(960, 3));
    if (end === "finish") await r.recording.finish(false);
    else await r.recording.discard();
    deepEqual(await Array.fromAsync(Deno.readDir(r.dir)), [], end);
  }
});

Deno.test("RelayRecording that cannot open is reported once and the session goes on unrecorded", async () => {
  let opens = 0;
  await using r = await rig({
    openFile: () => {
      opens++;
      return Promise.reject(new Deno.errors.PermissionDenied("read-only file system"));
    },
  });
  r.recording.open();
  await r.recording.ready();
  ok(opens > 0);
  equal(r.recording.wantsInput, false);
  r.recording.input(pcm(960, 3));
  equal(await r.recording.finish(true), null);
  equal(await failures(r.metrics), 1);
  equal(r.health.report().recording, "degraded");
  const lines = r.logs.filter((line) => line.includes("recording failed"));
  equal(lines.length, 1);
  equal(JSON.parse(lines[0]).level, "error");
  deepEqual(await Array.fromAsync(Deno.readDir(r.dir)), []);
  await rejects(Deno.stat(`${r.dir}/relay_test.input.wav`), Deno.errors.NotFound);
});
