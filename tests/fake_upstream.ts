/**
 * A fake GA Realtime upstream for relay tests: records what the relay sends (URL, headers,
 * events) and answers like the service where the tests need it (session.created on open,
 * session.updated for session.update). Tests script anything else through `onEvent`.
 *
 * @module
 */
import type { Json } from "./ws_client.ts";

export interface UpstreamConnection {
  url: URL;
  headers: Headers;
  socket: WebSocket;
  /** Events received from the relay, in order. */
  events: Json[];
  /** Raw text frames received, in order. */
  frames: string[];
  closed: Promise<{ code: number; reason: string }>;
}

export interface FakeUpstreamOptions {
  /** Send session.created on open (default true). */
  greet?: boolean;
  /** Called for each event received; may send replies. */
  onEvent?: (event: Json, connection: UpstreamConnection) => void;
  /** Answer the upgrade with this HTTP status instead (no upgrade). */
  refuseWith?: number;
}

export class FakeUpstream {
  readonly connections: UpstreamConnection[] = [];
  #server: Deno.HttpServer<Deno.NetAddr>;
  #waiters: ((c: UpstreamConnection) => void)[] = [];

  constructor(options: FakeUpstreamOptions = {}) {
    this.#server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
      if (options.refuseWith) return new Response("no", { status: options.refuseWith });
      // The request's headers cannot be read once upgraded: copy them first.
      const headers = new Headers(req.headers);
      const { socket, response } = Deno.upgradeWebSocket(req);
      const closed = Promise.withResolvers<{ code: number; reason: string }>();
      const connection: UpstreamConnection = {
        url: new URL(req.url),
        headers,
        socket,
        events: [],
        frames: [],
        closed: closed.promise,
      };
      this.connections.push(connection);
      socket.onopen = () => {
        if (options.greet !== false) {
          socket.send(JSON.stringify({
            type: "session.created",
            event_id: "event_fake0000000000000000",
            session: { type: "realtime", object: "realtime.session", id: "sess_fake" },
          }));
        }
        for (const w of this.#waiters.splice(0)) w(connection);
      };
      socket.onmessage = (e) => {
        connection.frames.push(e.data);
        const event = JSON.parse(e.data);
        connection.events.push(event);
        if (event.type === "session.update") {
          socket.send(JSON.stringify({
            type: "session.updated",
            event_id: "event_fake0000000000000001",
            session: event.session,
          }));
        }
        options.onEvent?.(event, connection);
      };
      socket.onclose = (e) => closed.resolve({ code: e.code, reason: e.reason });
      return response;
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#server.addr.port}/v1/realtime`;
  }

  /** The next connection to open (or the latest, if one is open already and unclaimed). */
  nextConnection(): Promise<UpstreamConnection> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const c of this.connections) {
      if (c.socket.readyState <= WebSocket.OPEN) c.socket.close();
    }
    await this.#server.shutdown();
  }
}
