/**
 * The relay as a stranger on the internet would try it, over real sockets against a scripted
 * GA upstream: fields and events that would turn the coach into a general-purpose model, an
 * upstream that echoes the key back, an unreachable upstream, and a client that sends too
 * fast. Each case checks what the browser gets and what reaches the upstream.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import fc from "fast-check";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { REFUSED_TYPES, RESPONSE_FIELDS, SESSION_FIELDS } from "@/testing/policy_cases.ts";
import { openRelaySession, relayEnv } from "@/testing/relay_session.ts";
import { freePort, metric, readMetrics, startTestServer } from "@/testing/server.ts";
import { ScriptedUpstream, type UpstreamConnection } from "@/testing/upstream.ts";
import { waitFor } from "@/testing/wait.ts";
import { type Json, openRelay, type TestClient } from "@/testing/ws_client.ts";

const KEY = "sk-test-HARDENINGKEY0123456789abcdef";
const AZURE_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

function env(upstream: ScriptedUpstream, extra: Record<string, string> = {}) {
  return relayEnv(upstream, KEY, extra);
}

/** Sends an allowed event and waits until the upstream has it: everything before has landed. */
async function sync(client: TestClient, connection: UpstreamConnection, id: string) {
  client.send({ type: "input_audio_buffer.clear", event_id: id });
  await waitFor(() => connection.events.some((e) => e.event_id === id), {
    what: `${id} upstream`,
    intervalMs: 5,
  });
}

/** Every refused event of the policy tables, each with a distinct event_id. */
function refusedEvents(): { event: Json; param: string }[] {
  const out: { event: Json; param: string }[] = [];
  for (const [field, value] of Object.entries(RESPONSE_FIELDS)) {
    out.push({
      event: { type: "response.create", response: { [field]: value } },
      param: `response.${field}`,
    });
  }
  for (const [field, value] of Object.entries(SESSION_FIELDS)) {
    out.push({
      event: { type: "session.update", session: { type: "realtime", [field]: value } },
      param: `session.${field}`,
    });
  }
  for (const [type, fields] of Object.entries(REFUSED_TYPES)) {
    out.push({ event: { type, ...fields }, param: "type" });
  }
  return out.map(({ event, param }, i) => ({ event: { ...event, event_id: `bad_${i}` }, param }));
}

Deno.test("relay: every refused field and event gets relay_event_not_allowed naming it, and nothing reaches the upstream", async () => {
  await using upstream = await ScriptedUpstream.start();
  // Refusals count against the event rate; here every one must be answered.
  await using server = await startTestServer(env(upstream, { EVENT_RATE_PER_SESSION: "off" }));
  const { client, connection } = await openRelaySession(server.url, upstream);
  const cases = refusedEvents();
  for (const { event } of cases) client.send(event);
  await sync(client, connection, "sync_1");
  for (const { event, param } of cases) {
    const error = await client.next((e) =>
      e.type === "error" && e.error.event_id === event.event_id
    );
    equal(error.error.code, "relay_event_not_allowed", event.event_id);
    equal(error.error.param, param, event.event_id);
  }
  const forwarded = connection.events.map((e) => e.event_id).filter((id) => id?.startsWith("bad_"));
  deepEqual(forwarded, []);
  // The session goes on: the page's own events still pass.
  client.send({ type: "response.create", event_id: "ok_1" });
  client.send({ type: "response.create", response: {}, event_id: "ok_2" });
  await sync(client, connection, "sync_2");
  ok(connection.events.some((e) => e.event_id === "ok_1"));
  ok(connection.events.some((e) => e.event_id === "ok_2"));
  await client.close();
});

/** GA-valid top-level fields per type, allowed or not, for the property below. */
const FIELD_POOL: Record<string, Record<string, unknown[]>> = {
  "response.create": {
    response: [{}, ...Object.entries(RESPONSE_FIELDS).map(([k, v]) => ({ [k]: v }))],
  },
  "response.cancel": { response_id: ["resp_1"] },
  "conversation.item.truncate": {
    item_id: ["item_1"],
    content_index: [0],
    audio_end_ms: [0, 120],
  },
  "input_audio_buffer.commit": {},
  "input_audio_buffer.clear": {},
  "session.update": {
    session: [
      { type: "realtime", audio: { input: { turn_detection: null } } },
      ...Object.entries(SESSION_FIELDS).map(([k, v]) => ({ type: "realtime", [k]: v })),
    ],
  },
  ...Object.fromEntries(
    Object.entries(REFUSED_TYPES).map(([type, fields]) => [
      type,
      Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, [v]])),
    ]),
  ),
};

/**
 * What may reach the upstream, written out apart from the relay's policy module: the page's
 * events and their fields, an empty or absent `response`, and a session update of turn
 * detection only.
 */
function allowedUpstream(event: Json): boolean {
  const fields: Record<string, string[]> = {
    "input_audio_buffer.commit": [],
    "input_audio_buffer.clear": [],
    "response.cancel": ["response_id"],
    "response.create": ["response"],
    "conversation.item.truncate": ["item_id", "content_index", "audio_end_ms"],
    "session.update": ["session"],
    "input_audio_buffer.append": ["audio"],
  };
  const allowed = fields[event.type];
  if (!allowed) return false;
  for (const key of Object.keys(event)) {
    if (key !== "type" && key !== "event_id" && !allowed.includes(key)) return false;
  }
  if (event.response !== undefined && JSON.stringify(event.response) !== "{}") return false;
  if (event.type === "session.update") {
    const { type, audio, ...rest } = event.session;
    if (type !== "realtime" || Object.keys(rest).length > 0) return false;
    if (JSON.stringify(Object.keys(audio ?? {})) !== '["input"]') return false;
    if (JSON.stringify(Object.keys(audio.input)) !== '["turn_detection"]') return false;
  }
  return true;
}

Deno.test("relay: no event carrying a disallowed field is ever forwarded (property)", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(env(upstream, { EVENT_RATE_PER_SESSION: "off" }));
  const { client, connection } = await openRelaySession(server.url, upstream);
  const arbitraryEvent = fc.constantFrom(...Object.keys(FIELD_POOL)).chain((type) => {
    const pool = FIELD_POOL[type];
    const entries = Object.entries(pool).map(([key, values]) =>
      fc.option(fc.constantFrom(...values), { nil: undefined }).map((v) => [key, v] as const)
    );
    return fc.tuple(...entries).map((pairs) => {
      const event: Json = { type };
      for (const [key, value] of pairs) if (value !== undefined) event[key] = value;
      return event;
    });
  });
  let batch = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(arbitraryEvent, { minLength: 1, maxLength: 20 }), async (events) => {
      const id = `sync_p${batch++}`;
      const before = connection.events.length;
      for (const event of events) client.send(event);
      await sync(client, connection, id);
      for (const event of connection.events.slice(before)) {
        if (event.event_id === id) continue;
        ok(allowedUpstream(event), `forwarded ${JSON.stringify(event)}`);
      }
    }),
    { seed: 20261206, numRuns: 150 },
  );
  await client.close();
});

Deno.test("relay: a key the upstream echoes in an error or a close reason never reaches the browser, a log or /metrics", async () => {
  for (const kind of ["openai", "azure"] as const) {
    const secret = kind === "openai" ? KEY : AZURE_KEY;
    await using upstream = await ScriptedUpstream.start({
      onEvent(event, connection) {
        if (event.type !== "response.create") return;
        connection.socket.send(JSON.stringify({
          type: "error",
          event_id: "event_e",
          error: {
            type: "invalid_request_error",
            code: `bad_key_${secret}`,
            message: `Incorrect API key provided: ${secret}.`,
            param: secret,
            event_id: null,
          },
        }));
        connection.socket.close(4000, `invalid_request_error ${secret}`);
      },
    });
    const extra = kind === "openai" ? env(upstream) : {
      AZURE_OPENAI_ENDPOINT: "https://r.openai.azure.com",
      AZURE_OPENAI_API_KEY: AZURE_KEY,
      AZURE_OPENAI_DEPLOYMENT: "d",
      REALTIME_URL: upstream.url,
    };
    await using server = await startTestServer(extra);
    const { client } = await openRelaySession(server.url, upstream);
    client.send({ type: "response.create" });
    const error = await client.next("error");
    match(error.error.message, /Incorrect API key provided: \[redacted\]\./);
    const closed = await client.closed;
    equal(closed.code, 4000);
    equal(closed.reason.includes(secret), false, kind);
    match(closed.reason, /\[redacted\]/);
    const metrics = await readMetrics(server.url);
    equal(metric(metrics, 'relay_errors_total{source="upstream",code="other"}'), 1);
    const everything = [JSON.stringify(client.received), closed.reason, metrics, ...server.logs]
      .join("\n");
    equal(everything.includes(secret), false, `${kind} key leaked`);
  }
});

Deno.test("relay: an unreachable upstream is named in plain words, with no address", async () => {
  await using server = await startTestServer({
    OPENAI_API_KEY: KEY,
    REALTIME_URL: `ws://127.0.0.1:${freePort()}/v1/realtime`,
  });
  const client = await openRelay(server.url);
  const error = await client.next("error");
  equal(error.error.code, "upstream_unavailable");
  match(error.error.message, /The voice service could not be reached\. Try again in a moment\./);
  const seen = JSON.stringify(client.received) + (await client.closed).reason;
  equal(/127\.0\.0\.1|ECONNREFUSED|\d{4,5}/.test(seen), false, seen);
  ok(server.logs.some((l) => l.includes("ECONNREFUSED") || l.includes("refused")));
});

Deno.test("relay: audio beyond twice real time is dropped, counted and answered at most once a second", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(env(upstream));
  const { client, connection } = await openRelaySession(server.url, upstream);
  // 20 s of audio as fast as the socket takes it: the 5 s burst passes, the rest mostly not.
  const frame = encodeBase64(new Uint8Array(960));
  for (let i = 0; i < 1000; i++) {
    client.send({ type: "input_audio_buffer.append", audio: frame });
  }
  await sync(client, connection, "sync_audio");
  const forwarded = connection.events.filter((e) => e.type === "input_audio_buffer.append").length;
  ok(forwarded >= 250, `the 5 s burst passes (${forwarded} frames)`);
  ok(forwarded < 1000, `not everything passes (${forwarded} frames)`);
  // The refusal goes to the browser on its own socket: it can land after the sync upstream.
  await waitFor(() => client.received.some((e) => e.error?.code === "relay_rate_limited"), {
    what: "the rate-limit error",
  });
  const errors = client.received.filter((e) => e.error?.code === "relay_rate_limited");
  ok(errors.length >= 1 && errors.length <= 3, `${errors.length} rate-limit errors`);
  match(errors[0].error.message, /real time/);
  const dropped = metric(await readMetrics(server.url), 'relay_rate_limited_total{kind="audio"}');
  equal(dropped, 1000 - forwarded);
  await client.close();
});

Deno.test("relay: other events beyond 20 a second are dropped with one error; audio still flows", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(env(upstream));
  const { client, connection } = await openRelaySession(server.url, upstream);
  for (let i = 0; i < 200; i++) client.send({ type: "response.cancel", event_id: `c${i}` });
  // Invalid events count too: each would cost an error reply.
  for (let i = 0; i < 200; i++) client.send("not json");
  client.send({ type: "input_audio_buffer.append", audio: encodeBase64(new Uint8Array(960)) });
  await waitFor(() => connection.events.some((e) => e.type === "input_audio_buffer.append"), {
    what: "append upstream",
  });
  const cancels = connection.events.filter((e) => e.type === "response.cancel").length;
  ok(cancels >= 20 && cancels <= 22, `${cancels} cancels forwarded`);
  // The refusal goes to the browser on its own socket: it can land after the append upstream.
  await waitFor(() => client.received.some((e) => e.error?.code === "relay_rate_limited"), {
    what: "the rate-limit error",
  });
  const limited = client.received.filter((e) => e.error?.code === "relay_rate_limited");
  equal(limited.length, 1);
  const invalid = client.received.filter((e) => e.error?.code === "invalid_json");
  equal(invalid.length, 0, "the invalid events came after the budget was spent");
  await client.close();
});
