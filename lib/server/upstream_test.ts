import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { loadConfig } from "./config.ts";
import {
  connectUpstream,
  UpstreamError,
  type UpstreamHandlers,
  type UpstreamLink,
  type UpstreamTarget,
  upstreamTarget,
} from "./upstream.ts";

/** The header an OpenAI key of `sk-a` goes in. */
const BEARER = { Authorization: "Bearer sk-a" };

/** What `upstreamTarget()` makes of each kind of configuration. */
const TARGETS: { what: string; env: Record<string, string>; target: UpstreamTarget }[] = [
  {
    what: "builds the OpenAI GA URL and Bearer header",
    env: { OPENAI_API_KEY: "sk-a", REALTIME_MODEL: "gpt-realtime-mini" },
    target: {
      kind: "openai",
      url: "wss://api.openai.com/v1/realtime?model=gpt-realtime-mini",
      headers: BEARER,
    },
  },
  {
    what: "honours REALTIME_URL (as a WebSocket URL)",
    env: { OPENAI_API_KEY: "sk-a", REALTIME_URL: "https://gw.example/v1/realtime?model=x" },
    target: { kind: "openai", url: "wss://gw.example/v1/realtime?model=x", headers: BEARER },
  },
  {
    what: "builds the Azure GA URL with the deployment as model and no api-version",
    env: {
      AZURE_OPENAI_ENDPOINT: "https://res.openai.azure.com/",
      AZURE_OPENAI_API_KEY: "az",
      AZURE_OPENAI_DEPLOYMENT: "rt",
    },
    target: {
      kind: "azure",
      url: "wss://res.openai.azure.com/openai/v1/realtime?model=rt",
      headers: { "api-key": "az" },
    },
  },
  {
    what: "points local mode at the in-process emulator: no URL, no key",
    env: { REALTIME_MODEL: "gpt-realtime-mini", EMULATOR_SESSION_SECONDS: "90" },
    target: { kind: "local", model: "gpt-realtime-mini", sessionSeconds: 90, coach: "delivery" },
  },
];

for (const { what, env, target } of TARGETS) {
  Deno.test(`upstreamTarget() ${what}`, () => {
    deepEqual(upstreamTarget(loadConfig(env)), target);
  });
}

/**
 * A server that answers the upgrade and sends `first` in the very same TCP write, then never
 * reads again (so it never answers a close).
 */
function eagerServer(first: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      const buf = new Uint8Array(4096);
      const n = (await conn.read(buf)) ?? 0;
      const request = new TextDecoder().decode(buf.subarray(0, n));
      const key = /sec-websocket-key: (\S+)/i.exec(request)![1];
      const digest = await crypto.subtle.digest(
        "SHA-1",
        new TextEncoder().encode(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
      );
      const accept = new Uint8Array(digest).toBase64();
      const payload = new TextEncoder().encode(first);
      const head = new TextEncoder().encode(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      const frame = new Uint8Array(head.length + 2 + payload.length);
      frame.set(head);
      frame.set([0x81, payload.length], head.length);
      frame.set(payload, head.length + 2);
      await conn.write(frame);
    }
  })().catch(() => {});
  return {
    url: `ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/v1/realtime?model=m`,
    close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

/** Handlers that record what they get. */
function recorder() {
  const messages: (string | Uint8Array)[] = [];
  const closes: [number, string][] = [];
  const closed = Promise.withResolvers<void>();
  const handlers: UpstreamHandlers = {
    message: (data) => messages.push(data),
    close: (code, reason) => {
      closes.push([code, reason]);
      closed.resolve();
    },
  };
  return { messages, closes, closed: closed.promise, handlers };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const FIRST = '{"type":"session.created"}';

/**
 * A link to an {@linkcode eagerServer} that sends {@linkcode FIRST}, with recording handlers;
 * disposing of it ends the link and the server.
 */
async function eagerLink(paused: boolean) {
  const server = eagerServer(FIRST);
  const got = recorder();
  const link: UpstreamLink = await connectUpstream(
    { kind: "openai", url: server.url, headers: {} },
    got.handlers,
    { timeoutMs: 2000, paused },
  );
  return {
    got,
    link,
    [Symbol.dispose]() {
      link.terminate();
      server.close();
    },
  };
}

Deno.test("connectUpstream() delivers a message that arrived in the same read as the 101", async () => {
  using eager = await eagerLink(false);
  await sleep(50);
  deepEqual(eager.got.messages, [FIRST]);
});

Deno.test("connectUpstream() with paused holds the first message until resume()", async () => {
  using eager = await eagerLink(true);
  const { got, link } = eager;
  equal(link.isPaused, true);
  await sleep(50);
  deepEqual(got.messages, [], "nothing is delivered while paused");
  link.resume();
  await sleep(50);
  deepEqual(got.messages, [FIRST]);
});

Deno.test("UpstreamLink.close() on a socket whose peer never answers cuts it after a second, and close is reported once", async () => {
  using eager = await eagerLink(true);
  const { got, link } = eager;
  link.close(1000, "bye");
  equal(link.isOpen, false);
  equal(link.isPaused, false, "close() resumes, so the reply could be read");
  link.close(1000, "again"); // idempotent
  await got.closed;
  await sleep(50);
  equal(got.closes.length, 1);
  equal(got.closes[0][0], 1006, "cut, not answered");
});

Deno.test("connectUpstream() rejects with UpstreamError when the session ended first, for both kinds", async () => {
  const aborted = AbortSignal.abort();
  const got = recorder();
  await rejects(
    connectUpstream({ kind: "local", model: "m", sessionSeconds: 60 }, got.handlers, {
      timeoutMs: 1000,
      signal: aborted,
    }),
    UpstreamError,
  );
  const controller = new AbortController();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // accepts, never answers
  const pending = connectUpstream(
    {
      kind: "openai",
      url: `ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/v1/realtime`,
      headers: {},
    },
    got.handlers,
    { timeoutMs: 5000, signal: controller.signal },
  );
  controller.abort();
  const error = await pending.then(() => null, (e) => e);
  ok(error instanceof UpstreamError);
  equal(error.message, "Cannot open the upstream: the session ended first");
  deepEqual(got.closes, [], "a link that never opened reports no close");
  listener.close();
});
