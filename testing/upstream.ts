/**
 * The scripted GA Realtime upstream of the tests and benchmarks, on npm `ws`: it answers like
 * the service where every test needs it, records what it receives, and lets a test script
 * the rest or misbehave on purpose.
 *
 * Like the service (and the embedded emulator, which `ga_conformance.ts` holds it to) it
 * checks the handshake (the beta shape, credentials, the model), sends `session.created`
 * with the GA default session at once, answers `session.update` with `session.updated`
 * (merged, or the GA error), and answers every invalid client event with the GA `error`.
 * Beyond that a test can:
 *
 * - script replies through `onEvent`, or take raw text first through `onText` (the
 *   benchmarks' hot path: nothing parsed, nothing recorded);
 * - refuse the upgrade with an HTTP status (`refuseWith`);
 * - drop the TCP connection without a close frame (`connection.socket.terminate()`);
 * - send binary frames and text that is not UTF-8 (`connection.send(bytes, { binary })`);
 * - know when a frame has reached the kernel (`connection.send()` resolves then).
 *
 * ```ts
 * await using upstream = await ScriptedUpstream.start({
 *   onEvent(event, connection) {
 *     if (event.type === "response.create") connection.send(audioResponse([pcm]));
 *   },
 * });
 * ```
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { newId } from "@/lib/shared/ids.ts";
import {
  defaultSession,
  errorEvent,
  mergeSessionUpdate,
  parseClientEvent,
  type RealtimeSession,
  validateSessionUpdate,
} from "@/lib/shared/realtime/mod.ts";
import { checkHandshake, REALTIME_PROTOCOL } from "@/lib/server/emulator/handshake.ts";
import type { CloseInfo, Json } from "./ws_client.ts";

/** One connection to the upstream, as the test sees it. */
export interface UpstreamConnection {
  /** The upgrade request's URL (path and query). */
  url: URL;
  /** The upgrade request's headers. */
  headers: Headers;
  socket: WebSocket;
  /** The JSON objects received, in order (raw text the `onText` hook took is not kept). */
  events: Json[];
  /** The text frames received, as they came. */
  frames: string[];
  /** The session as the last `session.created` or `session.updated` reported it. */
  session: RealtimeSession;
  /** The next received event of `type` (from the first, then after the last one returned). */
  next(type: string, timeoutMs?: number): Promise<Json>;
  /**
   * Sends an event (or several, in order) as JSON, or a text or binary frame as it is
   * (`binary: false` sends bytes as a text frame, valid UTF-8 or not); resolves once written
   * to the kernel.
   */
  send(data: Json | Json[] | string | Uint8Array, options?: { binary?: boolean }): Promise<void>;
  closed: Promise<CloseInfo>;
}

/** Options of {@linkcode ScriptedUpstream.start}. */
export interface ScriptedUpstreamOptions {
  /**
   * Send `session.created` as soon as a session opens.
   * @default {true}
   */
  greet?: boolean;
  /** Called for each valid JSON object received (after the upstream's own answer, if any). */
  onEvent?: (event: Json, connection: UpstreamConnection) => void;
  /**
   * Called first with each text frame; when it returns true the frame is handled (not
   * parsed, recorded or answered).
   */
  onText?: (text: string, connection: UpstreamConnection) => boolean;
  /** Answer every upgrade with this HTTP status instead. */
  refuseWith?: number;
  /**
   * Plain HTTP `GET` paths answered with the JSON their function returns; any other plain
   * request gets 426.
   * @default {{}}
   */
  routes?: Record<string, () => unknown>;
  /**
   * The port to listen on (0: a free one).
   * @default {0}
   */
  port?: number;
}

/** A scripted GA upstream on 127.0.0.1; `await using` stops it. */
export class ScriptedUpstream implements AsyncDisposable {
  readonly connections: UpstreamConnection[] = [];
  #server: Server;
  #wss: WebSocketServer;
  #options: ScriptedUpstreamOptions;
  #waiters: ((connection: UpstreamConnection) => void)[] = [];
  #sockets = new Set<Socket>();

  private constructor(options: ScriptedUpstreamOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // Never the key entry a browser offers, which would echo a secret back.
      handleProtocols: (offered) => offered.has(REALTIME_PROTOCOL) ? REALTIME_PROTOCOL : false,
    });
    this.#server = createServer((req, res) => {
      const route = this.#options.routes?.[new URL(req.url ?? "/", "http://x").pathname];
      const [status, body] = route && req.method === "GET"
        ? [200, route()]
        : [426, { error: "Cannot serve a plain request: connect with a WebSocket" }];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    this.#server.on("connection", (socket: Socket) => {
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    this.#server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const status = this.#options.refuseWith;
      if (status !== undefined) {
        const body = `Refused with HTTP ${status}`;
        socket.end(
          `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\n` +
            `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
    });
  }

  /** Starts listening on 127.0.0.1. */
  static async start(options: ScriptedUpstreamOptions = {}): Promise<ScriptedUpstream> {
    const upstream = new ScriptedUpstream(options);
    await new Promise<void>((resolve, reject) => {
      upstream.#server.once("error", reject);
      upstream.#server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    return upstream;
  }

  /** The port it listens on. */
  get port(): number {
    const address = this.#server.address();
    if (typeof address !== "object" || address === null) {
      throw new Error("Cannot tell the upstream's port: it is not listening");
    }
    return address.port;
  }

  /** `ws://127.0.0.1:<port>/v1/realtime` */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/realtime`;
  }

  /** The next connection to open. */
  nextConnection(): Promise<UpstreamConnection> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const connection of this.connections) connection.socket.terminate();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const one of [value ?? []].flat()) headers.append(name, one);
    }
    const connection = openConnection(socket, url, headers);
    this.connections.push(connection);
    socket.on("error", () => {});
    const handshake = checkHandshake(url, azureAsBearer(headers));
    if (!handshake.ok) {
      const { code, message, param, closeCode, closeReason } = handshake.problem;
      socket.send(JSON.stringify(errorEvent(code, message, { param })));
      socket.close(closeCode, closeReason);
    } else {
      connection.session = defaultSession({ model: handshake.model });
      socket.on(
        "message",
        (data: Buffer, isBinary: boolean) => this.#receive(connection, data, isBinary),
      );
      // At once, like the service: often in the same TCP read as the 101.
      if (this.#options.greet !== false) {
        socket.send(JSON.stringify({
          type: "session.created",
          event_id: newId("event"),
          session: connection.session,
        }));
      }
    }
    for (const resolve of this.#waiters.splice(0)) resolve(connection);
  }

  #receive(connection: UpstreamConnection, data: Buffer, isBinary: boolean): void {
    const socket = connection.socket;
    if (isBinary) {
      const refused = parseClientEvent(new Uint8Array(data));
      if (!refused.ok) socket.send(JSON.stringify(refused.error));
      return;
    }
    const text = data.toString();
    if (this.#options.onText?.(text, connection)) return;
    connection.frames.push(text);
    const parsed = parseClientEvent(text);
    let raw: unknown = null;
    try {
      raw = JSON.parse(text);
    } catch { /* answered below */ }
    if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
      (connection as Connection).record(raw as Json);
    }
    if (!parsed.ok) {
      socket.send(JSON.stringify(parsed.error));
    } else if (parsed.event.type === "session.update") {
      const event = parsed.event;
      const checked = validateSessionUpdate(event.session, connection.session);
      if (checked.ok) {
        connection.session = mergeSessionUpdate(connection.session, checked.update);
        socket.send(JSON.stringify({
          type: "session.updated",
          event_id: newId("event"),
          session: connection.session,
        }));
      } else {
        const { code, message, param } = checked.problem;
        socket.send(JSON.stringify(errorEvent(code, message, { param, eventId: event.event_id })));
      }
    }
    if (parsed.ok) this.#options.onEvent?.(raw as Json, connection);
  }
}

/** A connection's recording side: `record()` stores an event and wakes `next()`. */
interface Connection extends UpstreamConnection {
  record(event: Json): void;
}

function openConnection(socket: WebSocket, url: URL, headers: Headers): Connection {
  const events: Json[] = [];
  const waiters: { type: string; resolve: (event: Json) => void }[] = [];
  let cursor = 0;
  const closed = new Promise<CloseInfo>((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return {
    url,
    headers,
    socket,
    events,
    frames: [],
    session: defaultSession(),
    closed,
    record(event) {
      events.push(event);
      for (const waiter of waiters.splice(0)) {
        if (waiter.type === event.type) waiter.resolve(event);
        else waiters.push(waiter);
      }
    },
    next(type, timeoutMs = 5000) {
      for (let i = cursor; i < events.length; i++) {
        if (events[i].type === type) {
          cursor = i + 1;
          return Promise.resolve(events[i]);
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`Cannot read ${type}: the upstream got none within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (event) => {
            clearTimeout(timer);
            cursor = events.indexOf(event) + 1;
            resolve(event);
          },
        });
      });
    },
    async send(data, options = {}) {
      const frames = Array.isArray(data) ? data : [data];
      for (const frame of frames) {
        const payload = typeof frame === "string" || frame instanceof Uint8Array
          ? frame
          : JSON.stringify(frame);
        await new Promise<void>((resolve, reject) => {
          socket.send(payload, { binary: options.binary ?? false }, (error) => {
            if (error) reject(error);
            else resolve();
          });
        });
      }
    },
  };
}

/** Azure authenticates with an `api-key` header: the handshake check reads it as a bearer. */
function azureAsBearer(headers: Headers): Headers {
  const key = headers.get("api-key");
  if (key === null || headers.has("authorization")) return headers;
  const copy = new Headers(headers);
  copy.set("authorization", `Bearer ${key}`);
  return copy;
}
