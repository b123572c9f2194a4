/**
 * The emulator's upgrade: what testing/ga_conformance.ts checks of every GA stand-in
 * (credentials, the subprotocol, the default session) is not repeated here.
 */
import { deepEqual, equal, match, notEqual, throws } from "node:assert/strict";
import { defaultSession } from "../../shared/realtime/mod.ts";
import { startEmulator } from "@/testing/emulator.ts";
import { connectRealtime, openRealtime, type RealtimeClientOptions } from "@/testing/ws_client.ts";
import { handleRealtimeUpgrade } from "./upgrade.ts";

Deno.test("handleRealtimeUpgrade() answers a plain HTTP request with 400 and a JSON error", async () => {
  await using emulator = startEmulator();
  const response = await fetch(emulator.url.replace("ws:", "http:") + "?model=gpt-realtime");
  equal(response.status, 400);
  const body = await response.json();
  equal(body.error.type, "invalid_request_error");
  match(body.error.message, /connect with a WebSocket/);
});

Deno.test("handleRealtimeUpgrade() refuses the beta shape with 4000 after the 101", async (t) => {
  await using emulator = startEmulator();
  const cases: [string, RealtimeClientOptions][] = [
    ["OpenAI-Beta header", {
      headers: { Authorization: "Bearer sk-test", "OpenAI-Beta": "realtime=v1" },
    }],
    ["beta subprotocol", {
      headers: {},
      protocols: ["realtime", "openai-insecure-api-key.sk-test", "openai-beta.realtime-v1"],
    }],
  ];
  for (const [name, options] of cases) {
    await t.step(name, async () => {
      const client = await connectRealtime(emulator.url, options);
      const error = await client.next();
      equal(error.type, "error");
      deepEqual(error.error, {
        type: "invalid_request_error",
        code: "beta_api_shape_disabled",
        message:
          "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
        param: null,
        event_id: null,
      });
      deepEqual(await client.closed, {
        code: 4000,
        reason: "invalid_request_error.beta_api_shape_disabled",
      });
      equal(client.received.length, 1);
    });
  }
});

Deno.test("handleRealtimeUpgrade() without a model sends missing_model and closes 4000", async () => {
  await using emulator = startEmulator();
  const client = await connectRealtime(emulator.url, { query: "" });
  const error = await client.next();
  equal(error.error.code, "missing_model");
  equal(
    error.error.message,
    "You must provide a model parameter, for example wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5",
  );
  deepEqual(await client.closed, { code: 4000, reason: "invalid_request_error.missing_model" });
});

Deno.test("handleRealtimeUpgrade() refuses intent=transcription clearly with 4000", async () => {
  await using emulator = startEmulator();
  const client = await connectRealtime(emulator.url, { query: "intent=transcription" });
  const error = await client.next();
  equal(error.error.code, "invalid_value");
  equal(error.error.param, "intent");
  match(error.error.message, /does not support transcription sessions/);
  deepEqual(await client.closed, { code: 4000, reason: "invalid_request_error.invalid_value" });
});

Deno.test("handleRealtimeUpgrade() starts with session.created holding the GA default session", async () => {
  await using emulator = startEmulator({ sessionSeconds: 90 });
  const before = Math.floor(Date.now() / 1000);
  await using client = await connectRealtime(emulator.url, { query: "model=gpt-realtime-mini" });
  const created = await client.next();
  equal(created.type, "session.created");
  match(created.event_id, /^event_[0-9A-Za-z]{21}$/);
  const { id, expires_at: expiresAt } = created.session;
  match(id, /^sess_[0-9A-Za-z]{21}$/);
  const now = Math.floor(Date.now() / 1000);
  equal(expiresAt >= before + 90 && expiresAt <= now + 90, true, `expires_at ${expiresAt}`);
  // The default session (lib/shared/realtime/session_defaults_test.ts spells it out), with the
  // connection's model and the emulator's lifetime.
  deepEqual(created.session, {
    ...defaultSession({ model: "gpt-realtime-mini" }),
    id,
    expires_at: expiresAt,
  });
  // Nothing else is sent unasked.
  await client.sync();
  equal(client.received.length, 1);
});

Deno.test("handleRealtimeUpgrade() closes 1001 when the session reaches its lifetime", async () => {
  await using emulator = startEmulator({ sessionSeconds: 1 });
  const client = await openRealtime(emulator.url);
  deepEqual(await client.closed, {
    code: 1001,
    reason: "Your session hit the maximum duration of 1 second.",
  });
  equal(client.received.length, 1);
});

Deno.test("handleRealtimeUpgrade() echoes a client close 1000 and session.close closes 1000", async () => {
  await using emulator = startEmulator();
  const client = await openRealtime(emulator.url);
  client.send({ type: "session.close" });
  deepEqual(await client.closed, { code: 1000, reason: "" });
  const other = await openRealtime(emulator.url);
  other.socket.close(1000);
  equal((await other.closed).code, 1000);
  notEqual(emulator.logs.length, 0);
});

Deno.test("handleRealtimeUpgrade() refuses a non-positive speedup or lifetime", () => {
  const request = new Request("http://x/v1/realtime?model=m");
  throws(() => handleRealtimeUpgrade(request, { speedup: 0 }), RangeError);
  throws(() => handleRealtimeUpgrade(request, { sessionSeconds: -1 }), RangeError);
});
