import { deepEqual, equal, ok } from "node:assert/strict";
import { TestClient } from "@/testing/ws_client.ts";
import { BENCH_AUTH } from "./_client.ts";
import { mapLimit, speechFrames, startPeer } from "./_tools.ts";

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
