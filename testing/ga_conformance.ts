/**
 * One suite of GA behaviour that every stand-in for the Realtime service must pass: the
 * embedded emulator and the scripted upstream of the tests each run it
 * (`ga_conformance_test.ts`), so that a relay test against the one means what it would mean
 * against the other. It covers what both must do alike: the handshake's answers, the shapes
 * of `session.created` and `session.updated`, and the error envelope of a bad event.
 *
 * @module
 */
import { deepEqual, equal, match, notEqual } from "node:assert/strict";
import type { ErrorEvent } from "@/lib/shared/realtime/mod.ts";
import { assertErrorEnvelope } from "./ga_client_events.ts";
import { connectRealtime, openRealtime } from "./ws_client.ts";

/** A running GA endpoint under test; `await using` stops it. */
export interface GaEndpoint extends AsyncDisposable {
  /** `ws://…/v1/realtime`, without a query. */
  url: string;
}

const EVENT_ID = /^event_[0-9A-Za-z]+$/;

/** The cases, each given a fresh endpoint. */
const CASES: Record<string, (url: string) => Promise<void>> = {
  "answers the upgrade with 'realtime' of the subprotocols offered, then session.created with the GA default session":
    async (url) => {
      await using client = await connectRealtime(url, {
        query: "model=gpt-realtime-mini",
        headers: {},
        protocols: ["realtime", "openai-insecure-api-key.sk-test"],
      });
      equal(client.socket.protocol, "realtime");
      const created = await client.next();
      equal(created.type, "session.created");
      match(created.event_id, EVENT_ID);
      const session = created.session;
      match(session.id, /^sess_/);
      equal(session.type, "realtime");
      equal(session.object, "realtime.session");
      equal(session.model, "gpt-realtime-mini");
      deepEqual(session.output_modalities, ["audio"]);
      deepEqual(session.audio.input.format, { type: "audio/pcm", rate: 24000 });
      deepEqual(session.audio.output.format, { type: "audio/pcm", rate: 24000 });
      equal(session.audio.input.turn_detection.type, "server_vad");
      equal(session.audio.output.voice, "alloy");
    },

  "refuses a connection without credentials with code null, then closes 3000": async (url) => {
    await using client = await connectRealtime(url, { headers: {} });
    const error = await client.next();
    equal(error.type, "error");
    equal(error.error.code, null);
    equal(error.error.message, "Missing bearer or basic authentication in header");
    deepEqual(await client.closed, { code: 3000, reason: "invalid_request_error" });
  },

  "refuses the beta shape and a missing model with their codes, then closes 4000": async (url) => {
    await using beta = await connectRealtime(url, {
      headers: { Authorization: "Bearer sk-test", "OpenAI-Beta": "realtime=v1" },
    });
    equal((await beta.next()).error.code, "beta_api_shape_disabled");
    equal((await beta.closed).code, 4000);
    await using noModel = await connectRealtime(url, { query: "" });
    equal((await noModel.next()).error.code, "missing_model");
    deepEqual(await noModel.closed, { code: 4000, reason: "invalid_request_error.missing_model" });
  },

  "answers session.update with the whole session, merged": async (url) => {
    await using client = await openRealtime(url);
    client.send({
      type: "session.update",
      event_id: "update_1",
      session: {
        type: "realtime",
        instructions: "Coach me.",
        audio: { output: { voice: "marin" }, input: { turn_detection: null } },
      },
    });
    const updated = await client.next();
    equal(updated.type, "session.updated");
    match(updated.event_id, EVENT_ID);
    notEqual(updated.event_id, "update_1");
    equal(updated.session.instructions, "Coach me.");
    equal(updated.session.audio.output.voice, "marin");
    equal(updated.session.audio.input.turn_detection, null);
    // What the update did not name keeps its default.
    deepEqual(updated.session.audio.input.format, { type: "audio/pcm", rate: 24000 });
    equal(updated.session.model, "gpt-realtime");
  },

  "answers an unknown event type with the GA error envelope, echoing its event_id, and goes on":
    async (url) => {
      await using client = await openRealtime(url);
      client.send({ type: "nope", event_id: "evt_1" });
      const error = await client.next();
      assertErrorEnvelope(error as ErrorEvent);
      equal(error.error.code, "invalid_value");
      equal(error.error.param, "type");
      equal(error.error.event_id, "evt_1");
      match(
        error.error.message,
        /^Invalid value: 'nope'\. Supported values are: 'session\.update'/,
      );
      client.send({ type: "session.update", session: { type: "realtime", instructions: "x" } });
      equal((await client.next()).type, "session.updated");
    },

  "answers invalid JSON and a bad field with their GA errors, and keeps the session unchanged":
    async (url) => {
      await using client = await openRealtime(url);
      client.send("{not json");
      const json = await client.next();
      equal(json.error.code, "invalid_json");
      equal(json.error.event_id, null);
      match(json.error.message, /^Invalid event: failed to parse JSON value\./);
      client.send({
        type: "session.update",
        event_id: "evt_2",
        session: {
          type: "realtime",
          instructions: "changed",
          audio: { input: { format: { type: "audio/pcm", rate: 16000 } } },
        },
      });
      const field = await client.next();
      equal(field.error.code, "integer_below_min_value");
      equal(field.error.param, "session.audio.input.format.rate");
      equal(field.error.event_id, "evt_2");
      client.send({ type: "session.update", session: { type: "realtime", tool_choice: "none" } });
      const updated = await client.next();
      notEqual(updated.session.instructions, "changed");
      equal(updated.session.tool_choice, "none");
    },
};

/** Registers every case as a test named `<name>: <case>`, each against a fresh endpoint. */
export function testGaConformance(name: string, start: () => Promise<GaEndpoint>): void {
  for (const [title, run] of Object.entries(CASES)) {
    Deno.test(`${name}: ${title}`, async () => {
      await using endpoint = await start();
      await run(endpoint.url);
    });
  }
}
