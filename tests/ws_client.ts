/**
 * A test client over npm `ws` (it can send `Origin` and other headers, and sets TCP_NODELAY):
 * collects every message and lets a test await the next one that matches.
 *
 * @module
 */
import WebSocket from "ws";

// deno-lint-ignore no-explicit-any
export type Json = Record<string, any>;

export interface ClientOptions {
  headers?: Record<string, string>;
  protocols?: string[];
}

export class TestClient {
  readonly socket: WebSocket;
  /** Every text message received, parsed, in order. */
  readonly received: Json[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { match: (e: Json) => boolean; resolve: (e: Json) => void; from: number }[] = [];
  #cursor = 0;

  constructor(url: string, options: ClientOptions = {}) {
    this.socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once(
        "unexpected-response",
        (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)),
      );
      this.socket.once("error", reject);
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      const event = JSON.parse(data.toString());
      this.received.push(event);
      const index = this.received.length - 1;
      this.#waiters = this.#waiters.filter((w) => {
        if (index >= w.from && w.match(event)) {
          w.resolve(event);
          return false;
        }
        return true;
      });
    });
  }

  send(event: Json | string | Uint8Array): void {
    this.socket.send(
      typeof event === "string" || event instanceof Uint8Array ? event : JSON.stringify(event),
    );
  }

  /**
   * The next message (after the previous `next()` result) whose type is `type` or that
   * `match` accepts. Rejects after `timeoutMs`.
   */
  next(type: string | ((e: Json) => boolean), timeoutMs = 5000): Promise<Json> {
    const match = typeof type === "string" ? (e: Json) => e.type === type : type;
    for (let i = this.#cursor; i < this.received.length; i++) {
      if (match(this.received[i])) {
        this.#cursor = i + 1;
        return Promise.resolve(this.received[i]);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `No ${typeof type === "string" ? type : "matching event"} within ${timeoutMs} ms; got ${
              this.received.map((e) => e.type).join(", ")
            }`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push({
        match,
        from: this.#cursor,
        resolve: (e) => {
          clearTimeout(timer);
          this.#cursor = this.received.indexOf(e) + 1;
          resolve(e);
        },
      });
    });
  }

  close(code = 1000, reason = ""): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(code, reason);
    return this.closed;
  }
}

/** Asks `server` for a ticket and opens the relay with it. */
export async function openRelay(
  baseUrl: string,
  options: ClientOptions = {},
): Promise<TestClient> {
  const res = await fetch(`${baseUrl}/api/session`, { method: "POST" });
  if (!res.ok) throw new Error(`POST /api/session answered ${res.status}`);
  const { relay } = await res.json();
  const client = new TestClient(baseUrl.replace(/^http/, "ws") + relay, options);
  await client.opened;
  return client;
}
