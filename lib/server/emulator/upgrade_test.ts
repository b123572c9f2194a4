/**
 * The emulator's upgrade: what testing/ga_conformance.ts checks of every GA stand-in
 * (credentials, the subprotocol, the default session) is not repeated here.
 */
import { deepEqual, equal, match, notEqual, throws } from "node:assert/strict";
import { defaultSession } from "../../shared/realtime/mod.ts";
import { startEmulator } from "@/testing/emulator.ts";
import {
  connectRealtime,
  type Json,
  openRealtime,
  type RealtimeClientOptions,
} from "@/testing/ws_client.ts";
import { handleRealtimeUpgrade } from "./upgrade.ts";

Deno.test("handleRealtimeUpgrade() answers a plain HTTP request with 400 and a JSON error", async () => {
  await using emulator = startEmulator();
  const response = await fetch(emulator.url.replace("ws:", "http:") + "?model=gpt-realtime");
  equal(response.status, 400);
  const body = await response.json();
  equal(body.error.type, "invalid_request_error");
  match(body.error.message, /connect with a WebSocket/);
});

Deno.test("handleRealtimeUpgrade() refuses after the 101 with one error event, then closes 4000", async (t) => {
  await using emulator = startEmulator();
  const beta = {
    code: "beta_api_shape_disabled",
    message:
      "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
    param: null,
  };
  const cases: { name: string; connect: RealtimeClientOptions; error: Json }[] = [
    {
      name: "OpenAI-Beta header",
      connect: { headers: { Authorization: "Bearer sk-test", "OpenAI-Beta": "realtime=v1" } },
      error: beta,
    },
    {
      name: "beta subprotocol",
      connect: {
        headers: {},
        protocols: ["realtime", "openai-insecure-api-key.sk-test", "openai-beta.realtime-v1"],
      },
      error: beta,
    },
    {
      name: "no model",
      connect: { query: "" },
      error: {
        code: "missing_model",
        message: "You must provide a model parameter, for example " +
          "wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5",
        param: null,
      },
    },
    {
      name: "intent=transcription",
      connect: { query: "intent=transcription" },
      error: {
        code: "invalid_value",
        message: "The local Realtime emulator does not support transcription sessions " +
          "(intent=transcription). Connect with ?model=gpt-realtime for a speech-to-speech session.",
        param: "intent",
      },
    },
  ];
  for (const { name, connect, error } of cases) {
    await t.step(name, async () => {
      const client = await connectRealtime(emulator.url, connect);
      const event = await client.next();
      equal(event.type, "error");
      deepEqual(event.error, { type: "invalid_request_error", ...error, event_id: null });
      deepEqual(await client.closed, { code: 4000, reason: `invalid_request_error.${error.code}` });
      equal(client.received.length, 1);
    });
  }
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
