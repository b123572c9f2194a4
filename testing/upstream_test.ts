import { deepEqual, equal, rejects } from "node:assert/strict";
import { audioResponse, joinAudioDeltas, shape } from "./ga_sequences.ts";
import { ScriptedUpstream } from "./upstream.ts";
import { connectRealtime, openRealtime } from "./ws_client.ts";

Deno.test("ScriptedUpstream records the upgrade's URL and headers and every event, and next() finds them", async () => {
  await using upstream = await ScriptedUpstream.start();
  const pending = upstream.nextConnection();
  await using client = await openRealtime(upstream.url, { headers: { "api-key": "azure-key" } });
  const connection = await pending;
  equal(connection.url.pathname, "/v1/realtime");
  equal(connection.url.searchParams.get("model"), "gpt-realtime");
  equal(connection.headers.get("api-key"), "azure-key", "an Azure key counts as credentials");
  client.send({ type: "input_audio_buffer.clear", event_id: "a" });
  client.send({ type: "input_audio_buffer.clear", event_id: "b" });
  equal((await connection.next("input_audio_buffer.clear")).event_id, "a");
  equal((await connection.next("input_audio_buffer.clear")).event_id, "b");
  deepEqual(connection.frames, [
    '{"type":"input_audio_buffer.clear","event_id":"a"}',
    '{"type":"input_audio_buffer.clear","event_id":"b"}',
  ]);
  await rejects(connection.next("response.create", 30), /got none within 30 ms/);
});

Deno.test("ScriptedUpstream plays what onEvent scripts, and send() resolves once written", async () => {
  const pcm = [new Uint8Array([1, 2, 3, 4]), new Uint8Array([5, 6])];
  await using upstream = await ScriptedUpstream.start({
    onEvent(event, connection) {
      if (event.type === "response.create") connection.send(audioResponse(pcm, "hi"));
    },
  });
  await using client = await openRealtime(upstream.url);
  client.send({ type: "response.create" });
  const events = await client.until("response.done");
  equal(shape(events)[0], "response.created");
  deepEqual(joinAudioDeltas(events), new Uint8Array([1, 2, 3, 4, 5, 6]));
});

Deno.test("ScriptedUpstream can refuse the upgrade with a status and answers plain requests on its routes", async () => {
  await using refusing = await ScriptedUpstream.start({ refuseWith: 503 });
  await rejects(connectRealtime(refusing.url), /HTTP 503/);
  await using upstream = await ScriptedUpstream.start({ routes: { "/stats": () => ({ n: 1 }) } });
  const base = `http://127.0.0.1:${upstream.port}`;
  deepEqual(await (await fetch(`${base}/stats`)).json(), { n: 1 });
  const plain = await fetch(`${base}/v1/realtime`);
  equal(plain.status, 426);
  await plain.body?.cancel();
});

Deno.test("ScriptedUpstream can drop the connection without a close frame, and send binary and broken text", async () => {
  await using upstream = await ScriptedUpstream.start();
  const pending = upstream.nextConnection();
  await using client = await openRealtime(upstream.url);
  const connection = await pending;
  let binary = 0;
  client.socket.on("message", (_data, isBinary) => binary += isBinary ? 1 : 0);
  await connection.send(new Uint8Array([1, 2]), { binary: true });
  await connection.send({ type: "response.done" });
  await client.next("response.done");
  equal(binary, 1);
  connection.socket.terminate();
  equal((await client.closed).code, 1006);

  const next = upstream.nextConnection();
  await using other = await openRealtime(upstream.url);
  const broken = await next;
  await broken.send(new Uint8Array([0x7b, 0xff, 0x7d]), { binary: false });
  // The client refuses a text frame that is not UTF-8 with 1007.
  equal((await broken.closed).code, 1007);
  await other.closed;
});

Deno.test("ScriptedUpstream's onText takes raw text first; greet: false sends nothing unasked", async () => {
  const raw: string[] = [];
  await using upstream = await ScriptedUpstream.start({
    greet: false,
    onText(text, connection) {
      if (!text.startsWith('{"type":"ping"')) return false;
      raw.push(text);
      connection.socket.send('{"type":"pong"}');
      return true;
    },
  });
  const pending = upstream.nextConnection();
  await using client = await connectRealtime(upstream.url);
  const connection = await pending;
  client.send('{"type":"ping","n":1}');
  equal((await client.next()).type, "pong");
  deepEqual(raw, ['{"type":"ping","n":1}']);
  deepEqual(connection.frames, [], "a frame onText took is not recorded");
  deepEqual(client.received.map((e) => e.type), ["pong"]);
});
