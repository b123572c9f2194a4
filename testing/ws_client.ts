/**
 * The WebSocket client of the tests, over npm `ws` (it can send `Origin` and other headers,
 * and sets TCP_NODELAY): it parses every text message the server sends, keeps them in
 * order, and lets a test read them one by one or wait for the one it needs. It talks to the
 * relay (`openRelay`), the embedded emulator and the scripted upstream alike.
 *
 * ```ts
 * const client = await openRelay(server.url);
 * await client.next("session.updated");
 * client.append(new Uint8Array(960));
 * await client.sync(); // the server has handled everything sent before
 * ```
 *
 * @module
 */
import WebSocket from "ws";
import { encodeBase64 } from "@/lib/shared/base64.ts";

/** A Realtime event as JSON (tests read its fields freely). */
// deno-lint-ignore no-explicit-any
export type Json = Record<string, any>;

/** How a socket closed. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** Options of {@linkcode TestClient}. */
export interface ClientOptions {
  /**
   * Request headers of the upgrade (`Origin`, `Authorization`…).
   * @default {{}}
   */
  headers?: Record<string, string>;
  /**
   * Subprotocols to offer.
   * @default {[]}
   */
  protocols?: string[];
  /**
   * Which received events to keep in `received` (every event is counted in `counts`); a
   * client that streams many thousands of messages keeps only what it checks.
   * @default {every event}
   */
  keep?: (event: Json) => boolean;
}

/** What {@linkcode TestClient.next} looks for: an event type, or any test of the event. */
export type EventMatch = string | ((event: Json) => boolean);

/** How long a read waits by default, in ms. */
export const DEFAULT_WAIT_MS = 5000;

/** The GA client event a {@linkcode TestClient.sync} sends: both the relay and GA refuse it. */
const SYNC_ITEM = "item_sync";

/** A WebSocket client that keeps what the server sends, for tests. */
export class TestClient implements AsyncDisposable {
  readonly socket: WebSocket;
  /** The text messages received (those `keep` accepts), parsed, in order. */
  readonly received: Json[] = [];
  /** How many events of each type arrived (kept or not). */
  readonly counts: Map<string, number> = new Map();
  /** Settles once the upgrade succeeded; rejects with `HTTP <status>` when it was refused. */
  readonly opened: Promise<void>;
  /** The close code and reason, once the socket has closed. */
  readonly closed: Promise<CloseInfo>;
  #cursor = 0;
  #isClosed = false;
  #wakers = new Set<() => void>();
  #syncs = 0;

  /** Starts connecting to `url`; await `opened` (or use {@linkcode TestClient.connect}). */
  constructor(url: string, options: ClientOptions = {}) {
    const keep = options.keep ?? (() => true);
    this.socket = new WebSocket(url, options.protocols ?? [], {
      headers: options.headers,
      perMessageDeflate: false,
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("unexpected-response", (_request, response) => {
        reject(new Error(`Cannot open ${url}: the server answered HTTP ${response.statusCode}`));
        this.socket.terminate();
      });
      this.socket.once("error", reject);
    });
    this.opened.catch(() => {});
    // A later socket error is followed by "close", which is what the tests look at.
    this.socket.on("error", () => {});
    this.closed = new Promise((resolve) => {
      this.socket.once("close", (code, reason) => {
        this.#isClosed = true;
        resolve({ code, reason: reason.toString() });
        this.#wake();
      });
    });
    this.socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      const event: Json = JSON.parse(data.toString());
      this.counts.set(event.type, (this.counts.get(event.type) ?? 0) + 1);
      if (!keep(event)) return;
      this.received.push(event);
      this.#wake();
    });
  }

  /** Connects to `url` and waits until the socket is open. */
  static async connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const client = new TestClient(url, options);
    await client.opened;
    return client;
  }

  /** Sends a JSON event, or a text or binary frame as it is. */
  send(event: Json | string | Uint8Array): void {
    this.socket.send(
      typeof event === "string" || event instanceof Uint8Array ? event : JSON.stringify(event),
    );
  }

  /** Sends PCM16 bytes as one `input_audio_buffer.append`. */
  append(bytes: Uint8Array): void {
    this.send({ type: "input_audio_buffer.append", audio: encodeBase64(bytes) });
  }

  /**
   * The next unread event, or with `match` the next unread one of that type (or that `match`
   * accepts), skipping the others. Either way the events up to it count as read.
   *
   * @throws {Error} when none arrives within `timeoutMs` or the socket closes first
   */
  next(match?: EventMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<Json> {
    const accept = toPredicate(match);
    return this.#waitUntil(
      () => {
        for (let i = this.#cursor; i < this.received.length; i++) {
          if (accept(this.received[i])) {
            this.#cursor = i + 1;
            return this.received[i];
          }
        }
        return undefined;
      },
      describe(match),
      timeoutMs,
    );
  }

  /** Reads events up to and including the next one of `type`; returns them all. */
  async until(type: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Json[]> {
    const from = this.#cursor;
    await this.next(type, timeoutMs);
    return this.received.slice(from, this.#cursor);
  }

  /** Waits until some received event, read or not, satisfies `predicate`; returns it. */
  waitFor(predicate: (event: Json) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<Json> {
    return this.#waitUntil(() => this.received.find(predicate), "a matching event", timeoutMs);
  }

  /** Waits until `count` received events satisfy `predicate`. */
  async waitForCount(
    predicate: (event: Json) => boolean,
    count: number,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<void> {
    await this.#waitUntil(
      () => this.received.filter(predicate).length >= count || undefined,
      `${count} matching events`,
      timeoutMs,
    );
  }

  /** Whether an event is waiting that no read has returned or skipped. */
  get hasUnread(): boolean {
    return this.#cursor < this.received.length;
  }

  /**
   * A round trip: once this resolves, the server has handled everything sent before. It
   * sends a `conversation.item.retrieve` of a missing item, which the emulator and GA answer
   * with an error (the relay refuses it with one), and removes that error from `received`.
   */
  async sync(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const eventId = `sync_${++this.#syncs}`;
    this.send({ type: "conversation.item.retrieve", event_id: eventId, item_id: SYNC_ITEM });
    await this.#waitUntil(
      () => {
        const index = this.received.findIndex((e, i) =>
          i >= this.#cursor && e.type === "error" && e.error?.event_id === eventId
        );
        if (index < 0) return undefined;
        this.received.splice(index, 1);
        return true;
      },
      `the answer to ${eventId}`,
      timeoutMs,
    );
  }

  /** Closes with `code` and `reason` (unless closed already); resolves with how it closed. */
  close(code = 1000, reason = ""): Promise<CloseInfo> {
    if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(code, reason);
    return this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    await this.close();
  }

  /** Calls `find` on every new event until it returns a value; rejects at the deadline or close. */
  async #waitUntil<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (this.#isClosed) {
        throw new Error(`Cannot read ${what}: the socket closed; last events: ${this.#last()}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `Cannot read ${what}: none within ${timeoutMs} ms; last events: ${this.#last()}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const wakers = this.#wakers;
        function done() {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        }
        wakers.add(done);
      });
    }
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  #last(): string {
    return this.received.slice(-8).map((e) =>
      e.type === "error" ? `error ${JSON.stringify(e.error)}` : e.type
    ).join(", ") || "none";
  }
}

function toPredicate(match: EventMatch | undefined): (event: Json) => boolean {
  if (match === undefined) return () => true;
  return typeof match === "string" ? (event) => event.type === match : match;
}

function describe(match: EventMatch | undefined): string {
  if (match === undefined) return "an event";
  return typeof match === "string" ? match : "a matching event";
}

/** Asks the server at `baseUrl` for a relay ticket; returns the relay's WebSocket URL. */
export async function relayUrl(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await fetch(`${baseUrl}/api/session`, { method: "POST", headers });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`Cannot get a relay ticket: POST /api/session answered ${res.status}`);
  }
  const { relay } = await res.json();
  return baseUrl.replace(/^http/, "ws") + relay;
}

/** Asks the server at `baseUrl` for a ticket and opens the relay with it. */
export async function openRelay(baseUrl: string, options: ClientOptions = {}): Promise<TestClient> {
  return await TestClient.connect(await relayUrl(baseUrl), options);
}

/**
 * Tries to open a relay session and closes it again: "opened", `HTTP <status>` when the
 * ticket or the upgrade was refused with that status, or `refused: <why>` (no server, say).
 */
export async function tryOpenRelay(baseUrl: string, options: ClientOptions = {}): Promise<string> {
  try {
    const client = await openRelay(baseUrl, options);
    await client.close();
    return "opened";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = /(?:HTTP|answered) (\d{3})\b/.exec(message)?.[1];
    return status ? `HTTP ${status}` : `refused: ${message}`;
  }
}

/** Options of {@linkcode connectRealtime}. */
export interface RealtimeClientOptions extends ClientOptions {
  /**
   * The query string after `?`.
   * @default {"model=gpt-realtime"}
   */
  query?: string;
}

/**
 * Connects to a GA Realtime endpoint (`ws://…/v1/realtime`) as a server-side client does:
 * `?model=gpt-realtime` and a bearer key unless `options` say otherwise.
 */
export function connectRealtime(
  endpoint: string,
  options: RealtimeClientOptions = {},
): Promise<TestClient> {
  const { query = "model=gpt-realtime", ...rest } = options;
  return TestClient.connect(`${endpoint}?${query}`, {
    headers: { Authorization: "Bearer sk-test" },
    ...rest,
  });
}

/** {@linkcode connectRealtime}, then reads the `session.created` a session starts with. */
export async function openRealtime(
  endpoint: string,
  options: RealtimeClientOptions = {},
): Promise<TestClient> {
  const client = await connectRealtime(endpoint, options);
  const created = await client.next();
  if (created.type !== "session.created") {
    await client.close();
    throw new Error(
      `Cannot open a Realtime session: the first event was ${JSON.stringify(created)}`,
    );
  }
  return client;
}
