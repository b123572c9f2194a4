/**
 * A scripted GA Realtime upstream on npm `ws`, for fault tests: unlike `fake_upstream.ts`
 * (Deno's server sockets) it can drop the TCP connection without a close frame
 * (`terminate()`), send binary frames and invalid UTF-8, and tell when a frame has reached the
 * kernel (`send()` resolves then).
 *
 * Like the service it sends `session.created` on connect and answers `session.update` with
 * `session.updated`; tests script the rest through `onEvent`.
 *
 * @module
 */
import { type WebSocket, WebSocketServer } from "ws";
import type { Json } from "./ws_client.ts";

export interface ScriptedConnection {
  socket: WebSocket;
  /** Events received from the relay, in order. */
  events: Json[];
  /** The next received event of `type` (from the start if none was awaited yet). */
  next(type: string, timeoutMs?: number): Promise<Json>;
  /** Sends a text frame (or raw bytes as `binary`); resolves once written to the kernel. */
  send(data: string | Uint8Array, options?: { binary?: boolean }): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

export class ScriptedUpstream {
  readonly connections: ScriptedConnection[] = [];
  readonly ready: Promise<void>;
  #server: WebSocketServer;
  #waiters: ((c: ScriptedConnection) => void)[] = [];

  constructor(onEvent?: (event: Json, connection: ScriptedConnection) => void) {
    this.#server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    this.ready = new Promise((resolve) => this.#server.once("listening", () => resolve()));
    this.#server.on("connection", (socket: WebSocket) => {
      const events: Json[] = [];
      const waiters: { type: string; resolve: (e: Json) => void }[] = [];
      let cursor = 0;
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
      });
      socket.on("error", () => {});
      const connection: ScriptedConnection = {
        socket,
        events,
        closed,
        next(type, timeoutMs = 5000) {
          for (let i = cursor; i < events.length; i++) {
            if (events[i].type === type) {
              cursor = i + 1;
              return Promise.resolve(events[i]);
            }
          }
          return new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`Upstream got no ${type} within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              type,
              resolve: (e) => {
                clearTimeout(timer);
                cursor = events.indexOf(e) + 1;
                resolve(e);
              },
            });
          });
        },
        send(data, options = {}) {
          return new Promise((resolve, reject) => {
            socket.send(data, { binary: options.binary ?? false }, (error) => {
              if (error) reject(error);
              else resolve();
            });
          });
        },
      };
      this.connections.push(connection);
      socket.on("message", (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const event = JSON.parse(data.toString());
        events.push(event);
        if (event.type === "session.update") {
          socket.send(JSON.stringify({
            type: "session.updated",
            event_id: "event_scripted00000000001",
            session: event.session,
          }));
        }
        for (const w of waiters.splice(0)) {
          if (w.type === event.type) w.resolve(event);
          else waiters.push(w);
        }
        onEvent?.(event, connection);
      });
      // At once, like the service: often in the same TCP read as the 101.
      socket.send(JSON.stringify({
        type: "session.created",
        event_id: "event_scripted00000000000",
        session: { type: "realtime", object: "realtime.session", id: "sess_scripted" },
      }));
      for (const w of this.#waiters.splice(0)) w(connection);
    });
  }

  /** `ws://127.0.0.1:<port>/v1/realtime` (await `ready` first). */
  get url(): string {
    const address = this.#server.address();
    if (typeof address !== "object" || address === null) {
      throw new Error("Cannot tell the upstream's URL: await `ready` first");
    }
    return `ws://127.0.0.1:${address.port}/v1/realtime`;
  }

  /** The next connection to open. */
  nextConnection(): Promise<ScriptedConnection> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
