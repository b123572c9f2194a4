/**
 * `/v1/realtime` on the real server: 404 by default, and when `EMULATOR_PUBLIC=1` a key
 * checked before the upgrade (401), a per-client cap (429), and an event size limit.
 */
import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { startTestServer } from "@/testing/server.ts";
import { waitFor } from "@/testing/wait.ts";
import { type ClientOptions, TestClient } from "@/testing/ws_client.ts";
import { encodeBase64 } from "../../shared/base64.ts";
import { openPublicEmulator, PublicEmulator } from "./public.ts";

const KEY = "emk_test_0123456789abcdef0123456789";

function publicEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { EMULATOR_PUBLIC: "1", EMULATOR_KEY: KEY, ...extra };
}

function emulatorUrl(server: { url: string }): string {
  return `${server.url.replace(/^http/, "ws")}/v1/realtime?model=gpt-realtime`;
}

/** Opens a GA client; rejects with `HTTP <status>` when the upgrade is refused. */
function open(server: { url: string }, options: ClientOptions = {}): Promise<TestClient> {
  return TestClient.connect(emulatorUrl(server), options);
}

Deno.test("/v1/realtime by default answers 404 with a JSON error to any upgrade and any bearer, never 101", async () => {
  await using server = await startTestServer({});
  await rejects(open(server, { headers: { Authorization: "Bearer anything" } }), /HTTP 404/);
  await rejects(
    open(server, { protocols: ["realtime", "openai-insecure-api-key.anything"] }),
    /HTTP 404/,
  );
  const response = await fetch(`${server.url}/v1/realtime?model=gpt-realtime`, {
    headers: { upgrade: "websocket", authorization: `Bearer ${server.state.config.emulatorKey}` },
  });
  equal(response.status, 404);
  match((await response.json()).error, /not public/);
  // Not served with an OpenAI upstream either.
  await using openai = await startTestServer({ OPENAI_API_KEY: "sk-test-0123456789abcdef" });
  await rejects(open(openai, { headers: { Authorization: "Bearer x" } }), /HTTP 404/);
});

Deno.test("/v1/realtime public: no key or a wrong key gets 401 before any upgrade; the key opens a GA session", async (t) => {
  await using server = await startTestServer(publicEnv());
  const refused: [string, ClientOptions][] = [
    ["no key", {}],
    ["a wrong bearer", { headers: { Authorization: "Bearer sk-wrong" } }],
    ["the key plus a character", { headers: { Authorization: `Bearer ${KEY}x` } }],
    ["a prefix of the key", { headers: { Authorization: `Bearer ${KEY.slice(0, -1)}` } }],
    ["basic auth", { headers: { Authorization: `Basic ${btoa(`user:${KEY}`)}` } }],
    ["a wrong key subprotocol", { protocols: ["realtime", "openai-insecure-api-key.nope"] }],
  ];
  for (const [name, options] of refused) {
    await t.step(name, async () => {
      await rejects(open(server, options), /HTTP 401/);
    });
  }
  await t.step("the 401 is JSON and names what to send", async () => {
    const response = await fetch(`${server.url}/v1/realtime?model=gpt-realtime`, {
      headers: { upgrade: "websocket", authorization: "Bearer wrong" },
    });
    equal(response.status, 401);
    equal(response.headers.get("www-authenticate"), 'Bearer realm="realtime"');
    const body = await response.json();
    equal(body.error.code, "invalid_api_key");
    match(body.error.message, /Authorization: Bearer <EMULATOR_KEY>/);
    ok(!JSON.stringify(body).includes(KEY), "the key is never echoed");
  });
  const accepted: [string, ClientOptions][] = [
    ["the bearer", { headers: { Authorization: `Bearer ${KEY}` } }],
    ["the browser's key subprotocol", {
      protocols: ["realtime", `openai-insecure-api-key.${KEY}`],
    }],
  ];
  for (const [name, options] of accepted) {
    await t.step(`${name} opens a session`, async () => {
      const client = await open(server, options);
      const created = await client.next("session.created");
      equal(created.session.model, "gpt-realtime");
      await client.close();
    });
  }
});

Deno.test("/v1/realtime public: an event over MAX_EVENT_BYTES gets relay_event_too_large and the session goes on", async () => {
  await using server = await startTestServer(publicEnv({ MAX_EVENT_BYTES: "4096" }));
  const client = await open(server, { headers: { Authorization: `Bearer ${KEY}` } });
  await client.next("session.created");
  client.send({
    type: "input_audio_buffer.append",
    event_id: "evt_big",
    audio: encodeBase64(new Uint8Array(6000)),
  });
  const error = await client.next("error");
  equal(error.error.code, "relay_event_too_large");
  match(error.error.message, /at most 4096/);
  client.send({ type: "input_audio_buffer.clear" });
  await client.next("input_audio_buffer.cleared");
  client.send(new Uint8Array(5000)); // binary frames count too
  equal((await client.next("error")).error.code, "relay_event_too_large");
  client.send({ type: "session.update", session: { type: "realtime", instructions: "Hi." } });
  equal((await client.next("session.updated")).session.instructions, "Hi.");
  await client.close();
});

Deno.test("/v1/realtime public: MAX_SESSIONS_PER_CLIENT open sessions, then 429 before the upgrade; a closed one frees its slot", async () => {
  await using server = await startTestServer(publicEnv({ MAX_SESSIONS_PER_CLIENT: "2" }));
  const auth = { headers: { Authorization: `Bearer ${KEY}` } };
  const first = await open(server, auth);
  const second = await open(server, auth);
  await rejects(open(server, auth), /HTTP 429/);
  const response = await fetch(`${server.url}/v1/realtime?model=gpt-realtime`, {
    headers: { upgrade: "websocket", authorization: `Bearer ${KEY}` },
  });
  equal(response.status, 429);
  equal((await response.json()).error.code, "too_many_sessions");
  equal(server.state.emulator?.size, 2);
  await first.close();
  await waitFor(() => server.state.emulator!.size === 1, { what: "a freed slot" });
  const third = await open(server, auth);
  await third.next("session.created");
  await second.close();
  await third.close();
});

Deno.test("openPublicEmulator() prints a generated key once, as a JSON line the logger's redaction does not mask", async () => {
  await using generated = await startTestServer({ EMULATOR_PUBLIC: "1" });
  const key = generated.state.config.emulatorKey;
  const lines = generated.logs.filter((line) => line.includes("public emulator key"));
  equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  deepEqual([line.level, line.msg, line.emulatorKey], ["info", "public emulator key", key]);
  equal(
    generated.logs.filter((l) => l.includes(key)).length,
    1,
    "no other line holds the key",
  );
  const client = await open(generated, { headers: { Authorization: `Bearer ${key}` } });
  await client.next("session.created");
  await client.close();

  await using chosen = await startTestServer(publicEnv());
  equal(chosen.logs.filter((l) => l.includes("public emulator key")).length, 0);
  await using hidden = await startTestServer({});
  equal(hidden.logs.filter((l) => l.includes("public emulator key")).length, 0);
  const silent: string[] = [];
  openPublicEmulator(
    { ...generated.state.config, logLevel: "silent" },
    { sink: (l) => silent.push(l) },
  );
  deepEqual(silent, []);
});

Deno.test("PublicEmulator refuses an empty key", () => {
  let error: unknown;
  try {
    new PublicEmulator({ key: "", maxSessionsPerClient: 1, maxEventBytes: 1024 });
  } catch (e) {
    error = e;
  }
  ok(error instanceof RangeError);
});
