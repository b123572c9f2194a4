/**
 * The benchmarks' peer processes, each run in a subprocess of its own (started by
 * `startPeer` in `_bench_tools.ts`) so that their CPU can be read from `/proc` apart from the
 * load generator's:
 *
 * - `upstream [--no-echo]`: a fake GA Realtime upstream. It sends `session.created` on
 *   connect, answers `session.update` with `session.updated`, counts the
 *   `input_audio_buffer.append`s of each connection and, unless `--no-echo`, answers each at
 *   once with `{"type":"bench.echo","event_id":"event_…","echo":"<the append's event_id>"}`
 *   (`echo` is always the last field). `GET /stats` lists the connections as
 *   `{"connections":[{"tag","appends","other"}]}`, where `tag` is the part of the first
 *   append's `event_id` before its last `_`.
 * - `server`: the relay server (`startServer(loadConfig(env))`), configured by the
 *   environment, without browser assets (the benchmarks never load the page).
 * - `forwarder <upstream-url>`: the least a relay can do, for a baseline: the same two
 *   sockets as the relay (Deno's server WebSocket to the client, npm `ws` to the upstream)
 *   and every message passed on as it came, with no ticket, check, queue limit, metric or
 *   backpressure. `POST /api/session` answers `{"relay":"/forward"}` like the relay's.
 *
 * Each prints `PORT <n>` on stdout once it listens, and exits on SIGTERM (the server after
 * closing its sessions and finishing recordings) or when its stdin closes (the benchmark
 * died without stopping it).
 *
 * @module
 */
import WebSocket from "ws";

interface UpstreamConnection {
  /** Whether `session.created` went out. */
  greeted: boolean;
  tag: string | null;
  appends: number;
  other: number;
}

const APPEND_PREFIX = '{"type":"input_audio_buffer.append"';
const EVENT_ID_KEY = '"event_id":"';

function announce(port: number): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`PORT ${port}\n`));
}

function runFakeUpstream(echo: boolean): void {
  const connections: UpstreamConnection[] = [];
  let nextEvent = 0;
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: (addr) => announce(addr.port),
  }, (req) => {
    if (new URL(req.url).pathname === "/stats") return Response.json({ connections });
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Cannot serve: connect with a WebSocket", { status: 426 });
    }
    const { socket, response } = Deno.upgradeWebSocket(req);
    const connection: UpstreamConnection = {
      greeted: false,
      tag: null,
      appends: 0,
      other: 0,
    };
    connections.push(connection);
    socket.onopen = () => {
      socket.send(JSON.stringify({
        type: "session.created",
        event_id: `event_${nextEvent++}`,
        session: { type: "realtime", object: "realtime.session", id: `sess_bench${nextEvent}` },
      }));
      connection.greeted = true;
    };
    socket.onmessage = (e) => {
      const data = e.data;
      if (typeof data !== "string") return;
      // The hot path: no JSON.parse, the event_id is found by position.
      if (data.startsWith(APPEND_PREFIX)) {
        connection.appends++;
        const at = data.indexOf(EVENT_ID_KEY);
        if (at < 0) return;
        const start = at + EVENT_ID_KEY.length;
        const id = data.slice(start, data.indexOf('"', start));
        if (connection.tag === null) connection.tag = id.slice(0, id.lastIndexOf("_"));
        if (echo) {
          socket.send(`{"type":"bench.echo","event_id":"event_${nextEvent++}","echo":"${id}"}`);
        }
        return;
      }
      connection.other++;
      const event = JSON.parse(data);
      if (event.type === "session.update") {
        socket.send(JSON.stringify({
          type: "session.updated",
          event_id: `event_${nextEvent++}`,
          session: event.session,
        }));
      }
    };
    socket.onerror = () => {};
    return response;
  });
  Deno.addSignalListener("SIGTERM", () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}

function runForwarder(upstreamUrl: string): void {
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: (addr) => announce(addr.port),
  }, (req) => {
    if (new URL(req.url).pathname === "/api/session") return Response.json({ relay: "/forward" });
    const { socket, response } = Deno.upgradeWebSocket(req);
    const upstream = new WebSocket(upstreamUrl, { perMessageDeflate: false });
    const early: (string | ArrayBuffer)[] = [];
    upstream.on("open", () => {
      for (const message of early.splice(0)) upstream.send(message);
    });
    upstream.on("message", (data: Buffer, isBinary: boolean) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(isBinary ? data : data.toString());
    });
    upstream.on("close", () => socket.close());
    upstream.on("error", () => socket.close());
    socket.onmessage = (e) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(e.data);
      else early.push(e.data);
    };
    socket.onclose = () => upstream.close();
    return response;
  });
  Deno.addSignalListener("SIGTERM", () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}

async function runServer(): Promise<void> {
  const { loadConfig } = await import("@/lib/server/config.ts");
  const { startServer } = await import("@/lib/server/server.ts");
  const server = await startServer(loadConfig(Deno.env.toObject()), { assets: {} });
  announce(server.port);
  Deno.addSignalListener("SIGTERM", () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}

/** Exits once stdin reaches its end: the parent is gone. */
async function exitWithParent(): Promise<void> {
  const buffer = new Uint8Array(64);
  while (await Deno.stdin.read(buffer) !== null) { /* the parent writes nothing */ }
  Deno.exit(0);
}

if (import.meta.main) {
  exitWithParent();
  const [mode, ...flags] = Deno.args;
  switch (mode) {
    case "upstream":
      runFakeUpstream(!flags.includes("--no-echo"));
      break;
    case "server":
      await runServer();
      break;
    case "forwarder":
      runForwarder(flags[0]);
      break;
    default:
      throw new TypeError(
        `Cannot start a bench peer: unknown mode ${mode}; use upstream, server or forwarder`,
      );
  }
}
