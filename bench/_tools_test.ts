import { deepEqual, equal, ok } from "node:assert/strict";
import { TestClient } from "@/testing/ws_client.ts";
import { BENCH_AUTH } from "./_client.ts";
import { wavHeader } from "@/lib/server/wav.ts";
import { inputRecordings, mapLimit, recordedBytes, speechFrames, startPeer } from "./_tools.ts";

Deno.test("mapLimit() keeps the order of results and at most `limit` tasks running", async () => {
  let running = 0;
  let most = 0;
  const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, n));
    running--;
    return n * 10 + i;
  });
  deepEqual(results, [50, 11, 42, 23, 34]);
  equal(most, 2);
});

Deno.test("speechFrames() are the fixture's 20 ms frames in base64", async () => {
  const frames = await speechFrames();
  ok(frames.length > 400);
  ok(frames.every((frame) => frame.length === 1280), "960 bytes in base64");
});

Deno.test("the upstream peer echoes each append at once and counts them per session tag", async () => {
  const peer = await startPeer("upstream");
  try {
    const url = `ws://127.0.0.1:${peer.port}/v1/realtime?model=gpt-realtime`;
    await using client = await TestClient.connect(url, { headers: { ...BENCH_AUTH } });
    equal((await client.next()).type, "session.created");
    const audio = (await speechFrames())[0];
    client.send(`{"type":"input_audio_buffer.append","event_id":"d7_1","audio":"${audio}"}`);
    client.send(`{"type":"input_audio_buffer.append","event_id":"d7_2","audio":"${audio}"}`);
    deepEqual((await client.next("bench.echo")).echo, "d7_1");
    deepEqual((await client.next("bench.echo")).echo, "d7_2");
    client.send({ type: "session.update", session: { type: "realtime", instructions: "x" } });
    await client.next("session.updated");
    const stats = await (await fetch(`${peer.url}/stats`)).json();
    deepEqual(stats, { connections: [{ tag: "d7", appends: 2, other: 1 }] });
  } finally {
    await peer.stop();
  }
});

Deno.test("inputRecordings() and recordedBytes() read a recording directory's input audio", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const audio = new Uint8Array(1920);
    await Deno.writeFile(
      `${dir}/a.input.wav`,
      new Uint8Array([...wavHeader(24000, 1, 1920), ...audio]),
    );
    await Deno.writeFile(`${dir}/a.output.wav`, wavHeader(24000, 1, 0));
    // Still being written: the header says more than the file holds yet.
    await Deno.writeFile(`${dir}/b.input.wav`, new Uint8Array([...wavHeader(24000, 1, 960), 1, 2]));
    await Deno.writeFile(`${dir}/c.input.wav`, new Uint8Array(10));
    deepEqual(await inputRecordings(dir), new Set(["a.input.wav", "b.input.wav", "c.input.wav"]));
    equal(await recordedBytes(`${dir}/a.input.wav`), 1920);
    equal(await recordedBytes(`${dir}/b.input.wav`), 2);
    equal(await recordedBytes(`${dir}/c.input.wav`), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
