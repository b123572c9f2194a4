/**
 * The in-process emulator link: socket-like delivery (asynchronous, ordered, pausable), close
 * codes as the emulator sends them, and a relay session in local mode that never touches the
 * network.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startTestServer } from "@/testing/server.ts";
import { openRelay } from "@/testing/ws_client.ts";
import { sessionExpiredReason } from "./emulator/errors.ts";
import { connectEmulator } from "./emulator_link.ts";
import type { LocalTarget, UpstreamHandlers } from "./upstream.ts";

const TARGET: LocalTarget = { kind: "local", model: "gpt-realtime", sessionSeconds: 60 };

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** Handlers that record everything, and let a test wait for a count of events or the close. */
function recorder(onMessage?: (event: Json) => void) {
  const log: string[] = [];
  const events: Json[] = [];
  const closes: [number, string][] = [];
  const errors: Error[] = [];
  const closed = Promise.withResolvers<[number, string]>();
  let wake: (() => void) | null = null;
  const handlers: UpstreamHandlers = {
    message(data) {
      ok(typeof data === "string");
      const event = JSON.parse(data);
      events.push(event);
      log.push(event.type);
      onMessage?.(event);
      wake?.();
    },
    close(code, reason) {
      closes.push([code, reason]);
      log.push(`close ${code}`);
      closed.resolve([code, reason]);
    },
    error(error) {
      errors.push(error);
    },
  };
  async function waitFor(type: string, timeoutMs = 3000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find((e) => e.type === type);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`No ${type} within ${timeoutMs} ms: ${log}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 20);
      });
    }
  }
  return { log, events, closes, errors, closed: closed.promise, handlers, waitFor };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("connectEmulator() delivers session.created first, after the call returned, never from inside it", async () => {
  const got = recorder();
  const link = connectEmulator(TARGET, got.handlers);
  deepEqual(got.log, [], "nothing is delivered synchronously");
  equal(link.isOpen, true);
  const created = await got.waitFor("session.created");
  equal(created.session.model, "gpt-realtime");
  equal(got.log[0], "session.created");
  link.close(1000, "");
  await got.closed;
});

Deno.test("connectEmulator(): a send inside the session.created handler is answered only after the handler returned", async () => {
  let link: ReturnType<typeof connectEmulator> | null = null;
  const got = recorder((event) => {
    if (event.type !== "session.created") return;
    link!.send(JSON.stringify({
      type: "session.update",
      session: { type: "realtime", instructions: "Be brief." },
    }));
    equal(link!.bufferedAmount > 0, true, "the update waits for the emulator");
    got.log.push("handler returned");
  });
  link = connectEmulator(TARGET, got.handlers);
  const updated = await got.waitFor("session.updated");
  equal(updated.session.instructions, "Be brief.");
  deepEqual(got.log.slice(0, 3), ["session.created", "handler returned", "session.updated"]);
  equal(link.bufferedAmount, 0);
  link.close(1000, "");
  await got.closed;
});

Deno.test("connectEmulator() with paused holds the emulator's messages in order until resume()", async () => {
  const got = recorder();
  const link = connectEmulator(TARGET, got.handlers, { paused: true });
  equal(link.isPaused, true);
  for (let i = 0; i < 3; i++) {
    link.send(JSON.stringify({ type: "input_audio_buffer.clear", event_id: `evt_${i}` }));
  }
  link.send(JSON.stringify({ type: "nonsense", event_id: "evt_bad" }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  deepEqual(got.log, [], "nothing delivered while paused");
  link.resume();
  await got.waitFor("error");
  deepEqual(got.log, [
    "session.created",
    "input_audio_buffer.cleared",
    "input_audio_buffer.cleared",
    "input_audio_buffer.cleared",
    "error",
  ]);
  equal(got.events[4].error.event_id, "evt_bad");
  // Paused again mid-stream: what comes meanwhile waits.
  link.pause();
  link.send(JSON.stringify({ type: "input_audio_buffer.clear" }));
  await new Promise((resolve) => setTimeout(resolve, 50));
  equal(got.log.length, 5);
  link.resume();
  await tick();
  equal(got.log.length, 6);
  link.close(1000, "");
  await got.closed;
});

Deno.test("connectEmulator(): a close by the relay is answered with its code and reason, once, after earlier replies", async () => {
  const got = recorder();
  const link = connectEmulator(TARGET, got.handlers);
  await got.waitFor("session.created");
  link.send(JSON.stringify({ type: "input_audio_buffer.clear" }));
  link.close(1001, "server going away");
  equal(link.isOpen, false);
  link.send(JSON.stringify({ type: "input_audio_buffer.clear" })); // ignored once closing
  link.close(1000, "again"); // ignored
  deepEqual(await got.closed, [1001, "server going away"]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  deepEqual(got.log, ["session.created", "input_audio_buffer.cleared", "close 1001"]);
});

Deno.test("connectEmulator(): session.close closes 1000, and expiry closes 1001 with the emulator's reason", async () => {
  const got = recorder();
  const link = connectEmulator(TARGET, got.handlers);
  link.send(JSON.stringify({ type: "session.close" }));
  deepEqual(await got.closed, [1000, ""]);
  equal(link.isOpen, false);

  const expiring = recorder();
  connectEmulator({ ...TARGET, sessionSeconds: 1 }, expiring.handlers);
  deepEqual(await expiring.closed, [1001, sessionExpiredReason(1)]);
  equal(expiring.closes.length, 1);
});

Deno.test("connectEmulator(): terminate() reports 1006 once and delivers nothing after it", async () => {
  const got = recorder();
  const link = connectEmulator(TARGET, got.handlers, { paused: true });
  link.send(JSON.stringify({ type: "input_audio_buffer.clear" }));
  link.terminate();
  link.terminate();
  deepEqual(await got.closed, [1006, ""]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  deepEqual(got.log, ["close 1006"]);
});

Deno.test("connectEmulator(): a handler that throws is reported to error and delivery goes on", async () => {
  let thrown = false;
  const got = recorder((event) => {
    if (event.type === "session.created" && !thrown) {
      thrown = true;
      throw new Error("handler bug");
    }
  });
  const link = connectEmulator(TARGET, got.handlers);
  await got.waitFor("session.created");
  link.send(JSON.stringify({ type: "input_audio_buffer.clear" }));
  await got.waitFor("input_audio_buffer.cleared");
  equal(got.errors.length, 1);
  equal(got.errors[0].message, "handler bug");
  link.close(1000, "");
  await got.closed;
});

Deno.test("local mode: a relay session reaches the emulator in process; /v1/realtime is not served", async () => {
  await using server = await startTestServer({});
  equal(server.state.upstream.kind, "local");
  ok(!("url" in server.state.upstream), "the local target has no URL to dial");
  equal(server.state.emulator, null);
  const client = await openRelay(server.url);
  const created = await client.next("session.created");
  equal(created.session.model, "gpt-realtime");
  const updated = await client.next("session.updated");
  equal(updated.session.audio.output.voice, "marin");
  // The session went through the link, not a socket: no request reached /v1/realtime (which
  // answers 404 here), and the emulator logged an in-process session.
  const direct = await fetch(`${server.url}/v1/realtime?model=gpt-realtime`, {
    headers: { upgrade: "websocket", authorization: "Bearer anything" },
  });
  equal(direct.status, 404);
  await direct.body?.cancel();
  const started = server.logs.map((line) => JSON.parse(line)).filter((line) =>
    line.msg === "emulator session started"
  );
  equal(started.length, 1);
  equal(started[0].transport, "in-process");
  match(String(started[0].session), /^relay_/);
  await client.close();
});
