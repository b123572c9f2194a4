/**
 * The relay when its upstream misbehaves, over real sockets against the scripted upstream:
 * an upstream that closes or vanishes mid-response, and one that sends garbage. Each test
 * checks what the browser sees, that nothing the relay accepted is lost, and that the
 * session is freed (`/metrics` agrees).
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { decodeBase64, encodeBase64 } from "@/lib/shared/base64.ts";
import { concat, randomBytes } from "@/testing/bytes.ts";
import { audioDelta } from "@/testing/ga_sequences.ts";
import { readRecording } from "@/testing/recordings.ts";
import { openRelaySession, relayEnv } from "@/testing/relay_session.ts";
import { metric, readMetrics, startTestServer } from "@/testing/server.ts";
import { tempDir } from "@/testing/temp_dir.ts";
import { ScriptedUpstream, type UpstreamConnection } from "@/testing/upstream.ts";
import { waitFor } from "@/testing/wait.ts";

const KEY = "sk-test-faults0123456789abcdef";

/** A `response.output_audio.delta` whose event_id carries its sequence number. */
const delta = (seq: number, pcm: Uint8Array | string) =>
  JSON.stringify(audioDelta(pcm, `event_delta_${seq}`));

for (
  const [name, drop, expected] of [
    [
      "closes 1011 with a reason",
      (c: UpstreamConnection) => c.socket.close(1011, "upstream exploded; try again"),
      { code: 1011, reason: "upstream exploded; try again", error: null },
    ],
    [
      "drops the TCP connection without a close frame",
      (c: UpstreamConnection) => c.socket.terminate(),
      { code: 1011, reason: "upstream disconnected", error: "upstream_disconnected" },
    ],
  ] as const
) {
  Deno.test(`relay faults: an upstream that ${name} mid-response: every delta sent before reaches the browser in order, then the close; the session is freed`, async () => {
    await using tmp = await tempDir();
    const dir = tmp.path;
    await using upstream = await ScriptedUpstream.start();
    await using server = await startTestServer(relayEnv(upstream, KEY, { RECORD_DIR: dir }));
    const { client, connection: c } = await openRelaySession(server.url, upstream);
    const appends = Array.from({ length: 25 }, () => randomBytes(FRAME_BYTES));
    for (const pcm of appends) client.send(pcm);
    client.send({ type: "response.create", event_id: "evt_create" });
    await c.next("response.create");
    equal(c.events.filter((e) => e.type === "input_audio_buffer.append").length, appends.length);

    const deltas = Array.from({ length: 40 }, (_, i) => randomBytes(2400 + 2 * i));
    // Every delta is in the kernel before the drop.
    await Promise.all(deltas.map((pcm, i) => c.send(delta(i, pcm))));
    drop(c);

    const closed = await client.closed;
    deepEqual(closed, { code: expected.code, reason: expected.reason });
    const received = client.received.filter((e) => e.type === "response.output_audio.delta");
    deepEqual(received.map((e) => e.event_id), deltas.map((_, i) => `event_delta_${i}`));
    received.forEach((e, i) => deepEqual(decodeBase64(e.delta), deltas[i]));
    const errors = client.received.filter((e) => e.type === "error");
    if (expected.error === null) {
      deepEqual(errors, []);
    } else {
      equal(errors.length, 1);
      equal(errors[0].error.code, expected.error);
      equal(errors[0].error.type, "server_error");
      match(errors[0].error.message, /closed the connection unexpectedly \(1006\)/);
      // After every delta.
      equal(client.received.at(-1), errors[0]);
    }

    await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
    const text = await readMetrics(server.url);
    equal(metric(text, "relay_sessions_active"), 0);
    equal(metric(text, "relay_sessions_total"), 1);
    // session.created, session.updated and the deltas (the relay's own errors aside).
    equal(metric(text, 'relay_frames_total{direction="upstream_to_browser"}'), 2 + deltas.length);
    const recorded = await readRecording(dir);
    deepEqual(recorded.input, concat(appends));
    deepEqual(recorded.output, concat(deltas));
  });
}

Deno.test("relay faults: upstream garbage (binary, non-JSON, truncated JSON, bare values, 5 MB of junk) is dropped and counted; valid events around it arrive in order and the session goes on", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(relayEnv(upstream, KEY, { RECORD_DIR: dir }));
  const { client, connection: c } = await openRelaySession(server.url, upstream);

  const big = randomBytes(3 * 1024 * 1024 + 2); // a 4 MB frame once in base64 JSON
  const small = [randomBytes(4800), randomBytes(4802), randomBytes(960)];
  const valid = [delta(0, small[0]), delta(1, big), delta(2, small[1]), delta(3, small[2])];
  const garbage: { data: string | Uint8Array; binary?: boolean }[] = [
    { data: "hello, I am not JSON" },
    { data: randomBytes(1000), binary: true },
    { data: randomBytes(1), binary: true },
    { data: valid[0].slice(0, valid[0].length / 2) }, // truncated JSON
    { data: "x".repeat(5 * 1024 * 1024) }, // 5 MB of junk
    { data: `{"type":"response.output_audio.delta","delta":"${"A".repeat(5 * 1024 * 1024)}` },
    { data: "42" },
    { data: "null" },
    { data: "[1,2,3]" },
    { data: '"session.created"' },
    { data: '{"no_type":true}' },
    { data: '{"type":7}' },
    { data: "" },
    { data: "\u0000\uffff{}" },
  ];
  const malformed = garbage.filter((g) => !g.binary).length;
  const binary = garbage.length - malformed;
  // Garbage before, between and after the valid events.
  for (const [i, event] of valid.entries()) {
    for (const g of garbage.slice(i * 4, i * 4 + 4)) await c.send(g.data, { binary: g.binary });
    await c.send(event);
  }
  for (const g of garbage.slice(16)) await c.send(g.data, { binary: g.binary });
  await c.send(JSON.stringify({ type: "response.done", event_id: "event_done" }));

  await client.next("response.done", 10_000);
  deepEqual(
    client.received.filter((e) => e.type !== "relay.usage" && e.type !== "relay.conversation")
      .map((e) => e.type === "response.output_audio.delta" ? e.event_id : e.type),
    [
      "session.created",
      "session.updated",
      "event_delta_0",
      "event_delta_1",
      "event_delta_2",
      "event_delta_3",
      "response.done",
    ],
  );
  deepEqual(decodeBase64(client.received.find((e) => e.event_id === "event_delta_1")!.delta), big);

  // The session goes on both ways.
  const after = randomBytes(FRAME_BYTES);
  client.send({ type: "input_audio_buffer.append", audio: encodeBase64(after) });
  const append = await c.next("input_audio_buffer.append");
  deepEqual(decodeBase64(append.audio), after);
  equal((await fetch(`${server.url}/healthz`)).status, 200);

  const text = await readMetrics(server.url);
  const shed = 'relay_shed_total{direction="upstream_to_browser",reason=';
  equal(metric(text, `${shed}"binary"}`), binary);
  equal(metric(text, `${shed}"malformed"}`), malformed);
  // One warning per session, not one per frame.
  equal(server.logs.filter((l) => l.includes("; dropped") && l.includes('"warn"')).length, 1);

  await client.close();
  await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
  deepEqual((await readRecording(dir)).output, concat([small[0], big, small[1], small[2]]));
});

Deno.test("relay faults: an upstream text frame that is not UTF-8 ends the session with upstream_disconnected and 1011", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(relayEnv(upstream, KEY));
  const { client, connection: c } = await openRelaySession(server.url, upstream);
  await c.send(delta(0, randomBytes(960)));
  await c.send(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  const error = await client.next("error");
  equal(error.error.code, "upstream_disconnected");
  match(error.error.message, /closed the connection unexpectedly/);
  deepEqual(await client.closed, { code: 1011, reason: "upstream disconnected" });
  equal(client.received.filter((e) => e.type === "response.output_audio.delta").length, 1);
  await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
  equal(metric(await readMetrics(server.url), "relay_sessions_active"), 0);
});
