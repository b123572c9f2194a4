/**
 * The relay when its upstream misbehaves, over real sockets against the scripted upstream:
 * an upstream that closes or vanishes mid-response (the relay reconnects; the browser's
 * socket stays open), one that then keeps failing or refuses (the session ends), and one that
 * sends garbage. Each test checks what the browser sees, that nothing the relay accepted is
 * lost, and that the session is freed (`/metrics` agrees).
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
import {
  ScriptedUpstream,
  type ScriptedUpstreamOptions,
  type UpstreamConnection,
} from "@/testing/upstream.ts";
import { RECONNECT_DELAYS_MS } from "./rollover.ts";
import { waitFor } from "@/testing/wait.ts";
import type { Json } from "@/testing/ws_client.ts";

const KEY = "sk-test-faults0123456789abcdef";

/** A `response.output_audio.delta` whose event_id carries its sequence number. */
const delta = (seq: number, pcm: Uint8Array | string) =>
  JSON.stringify(audioDelta(pcm, `event_delta_${seq}`));

const isRollover = (e: Json) => e.type === "relay.conversation" && e.rollover === true;

/** The `response` of a scripted `response.created`. */
const inProgress = (id: string) => ({
  object: "realtime.response",
  id,
  status: "in_progress",
  status_details: null,
  output: [],
  usage: null,
});

/**
 * The scripted upstream (with `options`), a server relaying to it (plus `extra` in its
 * environment) and one session through both; disposing stops the server, then the upstream.
 */
async function relayed(options: ScriptedUpstreamOptions = {}, extra: Record<string, string> = {}) {
  await using stack = new AsyncDisposableStack();
  const upstream = stack.use(await ScriptedUpstream.start(options));
  const server = stack.use(await startTestServer(relayEnv(upstream, KEY, extra)));
  const { client, connection } = await openRelaySession(server.url, upstream);
  const owned = stack.move();
  return {
    upstream,
    server,
    client,
    c: connection,
    [Symbol.asyncDispose]: () => owned.disposeAsync(),
  };
}

for (
  const [name, drop] of [
    [
      "closes 1011 with a reason",
      (c: UpstreamConnection) => c.socket.close(1011, "upstream exploded; try again"),
    ],
    [
      "drops the TCP connection without a close frame",
      (c: UpstreamConnection) => c.socket.terminate(),
    ],
  ] as const
) {
  Deno.test(`relay faults: an upstream that ${name} mid-response: every delta sent before reaches the browser in order, the response is ended as cancelled, a new upstream session takes the next turn on the same browser socket`, async () => {
    await using tmp = await tempDir();
    const dir = tmp.path;
    await using relay = await relayed({}, { RECORD_DIR: dir });
    const { upstream, server, client, c } = relay;
    const appends = Array.from({ length: 25 }, () => randomBytes(FRAME_BYTES));
    for (const pcm of appends) client.send(pcm);
    client.send({ type: "response.create", event_id: "evt_create" });
    await c.next("response.create");
    equal(c.events.filter((e) => e.type === "input_audio_buffer.append").length, appends.length);

    await c.send({
      type: "response.created",
      event_id: "event_created",
      response: inProgress("resp_1"),
    });
    const deltas = Array.from({ length: 40 }, (_, i) => randomBytes(2400 + 2 * i));
    // Every delta is in the kernel before the drop.
    await Promise.all(deltas.map((pcm, i) => c.send(delta(i, pcm))));
    const reconnected = upstream.nextConnection();
    drop(c);

    // The relay reconnects at once and the browser is told, after every delta.
    const c2 = await reconnected;
    const announced = await client.next(isRollover);
    equal(announced.rollover, true);
    equal(announced.reason, "dropped");
    const received = client.received.filter((e) => e.type === "response.output_audio.delta");
    deepEqual(received.map((e) => e.event_id), deltas.map((_, i) => `event_delta_${i}`));
    received.forEach((e, i) => deepEqual(decodeBase64(e.delta), deltas[i]));
    // The response cut off is ended for the page, in GA's shape, right before the announcement.
    const done = client.received.filter((e) => e.type === "response.done");
    equal(done.length, 1);
    equal(done[0].response.id, "resp_1");
    equal(done[0].response.object, "realtime.response");
    equal(done[0].response.status, "cancelled");
    deepEqual(done[0].response.status_details, {
      type: "cancelled",
      error: { type: "server_error", code: "upstream_disconnected" },
    });
    equal(client.received.indexOf(done[0]), client.received.indexOf(announced) - 1);
    deepEqual(client.received.filter((e) => e.type === "error"), []);
    // The new session was configured with the relay's session.update.
    equal((await c2.next("session.update")).type, "session.update");

    // The next turn goes to the new session, and its answer to the browser.
    const after = Array.from({ length: 10 }, () => randomBytes(FRAME_BYTES));
    for (const pcm of after) client.send(pcm);
    client.send({ type: "response.create", event_id: "evt_create_2" });
    await c2.next("response.create");
    deepEqual(
      c2.events.filter((e) => e.type === "input_audio_buffer.append").map((e) =>
        decodeBase64(e.audio)
      ),
      after,
    );
    await c2.send({
      type: "response.done",
      event_id: "event_done_2",
      response: { ...inProgress("resp_2"), status: "completed" },
    });
    equal((await client.next("response.done")).response.id, "resp_2");
    equal(client.socket.readyState, WebSocket.OPEN);

    const text = await readMetrics(server.url);
    equal(metric(text, "relay_sessions_active"), 1);
    equal(metric(text, 'relay_rollovers_total{reason="dropped"}'), 1);
    equal(metric(text, "relay_rollover_seconds_count"), 1);
    // session.created, session.updated, response.created, the deltas, the second response.done.
    equal(
      metric(text, 'relay_frames_total{direction="upstream_to_browser"}'),
      3 + deltas.length + 1,
    );
    await client.close();
    await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
    equal(metric(await readMetrics(server.url), "relay_sessions_active"), 0);
    const recorded = await readRecording(dir);
    deepEqual(recorded.input, concat([...appends, ...after]));
    deepEqual(recorded.output, concat(deltas));
  });
}

Deno.test("relay faults: an upstream that drops and then keeps failing (HTTP 503) ends the browser's session with upstream_unavailable and 1011 once the reconnects are spent; audio sent meanwhile is counted dropped", async () => {
  const options: ScriptedUpstreamOptions = {};
  await using relay = await relayed(options);
  const { upstream, server, client, c } = relay;
  options.refuseWith = 503;
  c.socket.terminate();
  await waitFor(
    () => server.logs.some((l) => l.includes("upstream session closed; reconnecting")),
    {
      what: "the drop",
    },
  );
  const meanwhile = 20;
  for (let i = 0; i < meanwhile; i++) client.send(randomBytes(FRAME_BYTES));

  const error = await client.next("error", 15_000);
  equal(error.error.code, "upstream_unavailable");
  match(error.error.message, /refused the session \(HTTP 503\)/);
  deepEqual(await client.closed, { code: 1011, reason: "upstream unavailable" });
  // The first try at once, then one after each wait of the backoff.
  const tries = server.logs.filter((l) => l.includes("new upstream session could not be opened"));
  equal(tries.length, 1 + RECONNECT_DELAYS_MS.length);
  equal(upstream.connections.length, 1);
  await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
  const text = await readMetrics(server.url);
  equal(metric(text, "relay_sessions_active"), 0);
  equal(metric(text, 'relay_rollover_frames_total{fate="held"}'), meanwhile);
  equal(metric(text, 'relay_rollover_frames_total{fate="dropped"}'), meanwhile);
  equal(metric(text, 'relay_errors_total{source="relay",code="upstream_unavailable"}'), 1);
  equal(metric(text, "relay_rollover_seconds_count"), 0);
});

Deno.test("relay faults: a refusal is not retried: a reconnect answered HTTP 401 ends at once", async () => {
  const options: ScriptedUpstreamOptions = {};
  await using relay = await relayed(options);
  const { server, client, c } = relay;
  options.refuseWith = 401;
  c.socket.close(1011, "server error");
  const error = await client.next("error");
  equal(error.error.code, "upstream_unavailable");
  match(error.error.message, /refused the session \(HTTP 401\)/);
  deepEqual(await client.closed, { code: 1011, reason: "upstream unavailable" });
  equal(server.logs.filter((l) => l.includes("could not be opened")).length, 1);
});

for (
  const [code, reason] of [[4000, "invalid_request_error"], [1008, "policy violation"]] as const
) {
  Deno.test(`relay faults: an upstream that closes the live session with ${code} (a refusal) is not reconnected; the browser gets ${code}`, async () => {
    await using relay = await relayed();
    const { upstream, server, client, c } = relay;
    c.socket.close(code, reason);
    deepEqual(await client.closed, { code, reason });
    equal(upstream.connections.length, 1);
    equal(client.received.filter((e) => e.type === "relay.conversation").length, 1);
    await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
  });
}

Deno.test("relay faults: upstream garbage (binary, non-JSON, truncated JSON, bare values, 5 MB of junk) is dropped and counted; valid events around it arrive in order and the session goes on", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await using relay = await relayed({}, { RECORD_DIR: dir });
  const { server, client, c } = relay;

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

Deno.test("relay faults: an upstream text frame that is not UTF-8 is a dropped session: the relay reconnects, the browser socket stays open", async () => {
  await using relay = await relayed();
  const { upstream, server, client, c } = relay;
  await c.send(delta(0, randomBytes(960)));
  const reconnected = upstream.nextConnection();
  await c.send(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  const announced = await client.next(isRollover);
  equal(announced.reason, "dropped");
  const c2 = await reconnected;
  const pcm = randomBytes(FRAME_BYTES);
  client.send(pcm);
  deepEqual(decodeBase64((await c2.next("input_audio_buffer.append")).audio), pcm);
  equal(client.received.filter((e) => e.type === "response.output_audio.delta").length, 1);
  deepEqual(client.received.filter((e) => e.type === "error"), []);
  equal(client.socket.readyState, WebSocket.OPEN);
  await client.close();
  await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
  equal(metric(await readMetrics(server.url), "relay_sessions_active"), 0);
});
