/**
 * The benchmarks' peer processes, each run in a subprocess of its own (started by
 * `startPeer` in `_tools.ts`) so that their CPU can be read from `/proc` apart from the
 * load generator's:
 *
 * - `upstream [--no-echo]`: the tests' scripted GA upstream (`testing/upstream.ts`: it sends
 *   `session.created` on connect and answers `session.update` with `session.updated`), which
 *   counts the `input_audio_buffer.append`s of each connection without parsing them and,
 *   unless `--no-echo`, answers each at once with
 *   `{"type":"bench.echo","event_id":"event_…","echo":"<the append's event_id>"}` (`echo` is
 *   always the last field). `GET /stats` lists the connections as
 *   `{"connections":[{"tag","appends","other"}]}`, where `tag` is the part of the first
 *   append's `event_id` before its last `_`.
 * - `server`: the app (`startApp(loadConfig(env))`), configured by the environment, without
 *   browser assets (the benchmarks never load the page); its local coach is the echo unless
 *   the environment sets `LOCAL_COACH`.
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
import { loadConfig } from "@/lib/server/config.ts";
import { BENCH_AUTH } from "./_client.ts";
import { ScriptedUpstream, type UpstreamConnection } from "@/testing/upstream.ts";

/** What `GET /stats` reports of each upstream connection. */
interface ConnectionStats {
  tag: string | null;
  appends: number;
  other: number;
}

const APPEND_PREFIX = '{"type":"input_audio_buffer.append"';
const EVENT_ID_KEY = '"event_id":"';

function announce(port: number): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`PORT ${port}\n`));
}

/** The scripted GA upstream of the tests, with a hot path that reads appends by position. */
async function runFakeUpstream(echo: boolean): Promise<void> {
  const stats = new Map<UpstreamConnection, ConnectionStats>();
  let nextEvent = 0;
  const upstream = await ScriptedUpstream.start({
    routes: { "/stats": () => ({ connections: [...stats.values()] }) },
    onText(data, connection) {
      let own = stats.get(connection);
      if (!own) stats.set(connection, own = { tag: null, appends: 0, other: 0 });
      // The hot path: no JSON.parse, the event_id is found by position.
      if (!data.startsWith(APPEND_PREFIX)) {
        own.other++;
        return false;
      }
      own.appends++;
      const at = data.indexOf(EVENT_ID_KEY);
      if (at < 0) return true;
      const start = at + EVENT_ID_KEY.length;
      const id = data.slice(start, data.indexOf('"', start));
      if (own.tag === null) own.tag = id.slice(0, id.lastIndexOf("_"));
      if (echo) {
        connection.socket.send(
          `{"type":"bench.echo","event_id":"event_${nextEvent++}","echo":"${id}"}`,
        );
      }
      return true;
    },
  });
  announce(upstream.port);
  Deno.addSignalListener("SIGTERM", () => {
    upstream[Symbol.asyncDispose]().finally(() => Deno.exit(0));
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
    const upstream = new WebSocket(upstreamUrl, { perMessageDeflate: false, headers: BENCH_AUTH });
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
  const { startApp } = await import("@/app.ts");
  const env = { LOCAL_COACH: "echo", ...Deno.env.toObject() };
  const server = await startApp(loadConfig(env), { assets: {} });
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
      await runFakeUpstream(!flags.includes("--no-echo"));
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
