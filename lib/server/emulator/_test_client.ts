/**
 * Test helpers: the emulator on a loopback port, and an npm `ws` client that queues the
 * server's events so tests can read them in order.
 *
 * @module
 */

import WebSocket from "ws";
import { BYTES_PER_MS } from "../../shared/audio_format.ts";
import { decodeBase64, encodeBase64 } from "../../shared/base64.ts";
import { readWav } from "../wav.ts";
import { type EmulatorOptions, handleRealtimeUpgrade } from "./upgrade.ts";

/** A running emulator; `await using` shuts it down. */
export interface TestEmulator extends AsyncDisposable {
  /** `ws://127.0.0.1:<port>/v1/realtime` */
  url: string;
  /** Log lines the emulator wrote. */
  logs: { msg: string; fields?: Record<string, unknown> }[];
}

/** Serves the emulator on an ephemeral loopback port. */
export function startEmulator(options: EmulatorOptions = {}): TestEmulator {
  const logs: TestEmulator["logs"] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) =>
      handleRealtimeUpgrade(req, { log: (msg, fields) => logs.push({ msg, fields }), ...options }),
  );
  return {
    url: `ws://127.0.0.1:${server.addr.port}/v1/realtime`,
    logs,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** Options of {@linkcode TestClient.connect}. */
export interface ConnectOptions {
  /** Query string after `?`. @default {"model=gpt-realtime"} */
  query?: string;
  /** @default {{ Authorization: "Bearer sk-test" }} */
  headers?: Record<string, string>;
  protocols?: string[];
}

/** A server event as JSON (tests read fields freely). */
// deno-lint-ignore no-explicit-any
export type Received = Record<string, any> & { type: string; event_id: string };

const DEFAULT_WAIT_MS = 5000;

/** An npm `ws` client that records every server event and close. */
export class TestClient implements AsyncDisposable {
  readonly socket: WebSocket;
  /** Every event received, in order. */
  readonly events: Received[] = [];
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  #read = 0;
  #wake: (() => void) | null = null;
  #isClosed = false;
  #syncCount = 0;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on("close", (code: number, reason: Uint8Array) => {
        this.#isClosed = true;
        resolve({ code, reason: new TextDecoder().decode(reason) });
        this.#wake?.();
      });
    });
    socket.on("message", (data: Uint8Array) => {
      this.events.push(JSON.parse(new TextDecoder().decode(data)));
      this.#wake?.();
    });
  }

  /** Connects and waits for the socket to open (not for `session.created`). */
  static async connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const headers = options.headers ?? { Authorization: "Bearer sk-test" };
    const socket = new WebSocket(
      `${url}?${options.query ?? "model=gpt-realtime"}`,
      options.protocols,
      {
        headers,
      },
    );
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", (error: Error) => reject(error));
    });
    return client;
  }

  /** Connects and reads `session.created`. */
  static async open(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(url, options);
    const created = await client.next();
    if (created.type !== "session.created") {
      throw new Error(`Cannot open test session: first event was ${JSON.stringify(created)}`);
    }
    return client;
  }

  send(event: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(event));
  }

  sendRaw(data: string | Uint8Array): void {
    this.socket.send(data);
  }

  /** Appends PCM16 bytes as one `input_audio_buffer.append`. */
  append(bytes: Uint8Array): void {
    this.send({ type: "input_audio_buffer.append", audio: encodeBase64(bytes) });
  }

  /** The next unread event. */
  async next(waitMs = DEFAULT_WAIT_MS): Promise<Received> {
    const deadline = Date.now() + waitMs;
    while (this.#read >= this.events.length) {
      if (this.#isClosed) throw new Error("Cannot read event: the socket closed");
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.events.slice(-8).map((e) =>
          e.type === "error" ? JSON.stringify(e.error) : e.type
        ).join(", ");
        throw new Error(`Cannot read event: none within ${waitMs} ms; last events: ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.events[this.#read++];
  }

  /** Reads events up to and including the first of `type`; returns them all. */
  async until(type: string, waitMs = DEFAULT_WAIT_MS): Promise<Received[]> {
    const seen: Received[] = [];
    for (;;) {
      const event = await this.next(waitMs);
      seen.push(event);
      if (event.type === type) return seen;
    }
  }

  /** Reads events until the first of `type` and returns it. */
  async nextOf(type: string, waitMs = DEFAULT_WAIT_MS): Promise<Received> {
    return (await this.until(type, waitMs)).at(-1)!;
  }

  /** Waits until some received event (read or not) satisfies `predicate`; returns it. */
  async waitFor(predicate: (event: Received) => boolean): Promise<Received> {
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      await this.#waitForMore();
    }
  }

  /** Waits until `count` events satisfy `predicate`. */
  async waitForCount(predicate: (event: Received) => boolean, count: number): Promise<void> {
    while (this.events.filter(predicate).length < count) await this.#waitForMore();
  }

  /** Whether an unread event is waiting. */
  get hasUnread(): boolean {
    return this.#read < this.events.length;
  }

  /**
   * Round trip: everything sent before has been handled once this resolves. Sends a
   * retrieve of a missing item and waits for its error, which is removed from `events`.
   */
  async sync(): Promise<void> {
    const eventId = `sync_${++this.#syncCount}`;
    this.send({ type: "conversation.item.retrieve", event_id: eventId, item_id: "item_sync" });
    for (;;) {
      const index = this.events.findIndex((e, i) =>
        i >= this.#read && e.type === "error" && e.error.event_id === eventId
      );
      if (index >= 0) {
        this.events.splice(index, 1);
        return;
      }
      await this.#waitForMore();
    }
  }

  async #waitForMore(): Promise<void> {
    const count = this.events.length;
    const deadline = Date.now() + DEFAULT_WAIT_MS;
    while (this.events.length === count) {
      if (this.#isClosed) throw new Error("Cannot sync: the socket closed");
      if (Date.now() > deadline) throw new Error("Cannot sync: no reply within 5 s");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  async close(): Promise<void> {
    if (!this.#isClosed) this.socket.close(1000);
    await this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The 24 kHz PCM16 bytes of a fixture WAV. */
export async function readFixture(name: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(new URL(`../../../tests/fixtures/${name}`, import.meta.url));
  const wav = readWav(bytes);
  return new Uint8Array(wav.samples.buffer, wav.samples.byteOffset, wav.samples.byteLength);
}

/** `ms` of digital silence. */
export function silence(ms: number): Uint8Array {
  return new Uint8Array(Math.round(ms * BYTES_PER_MS));
}

/** Decodes and joins the `delta`s of a response's `response.output_audio.delta` events. */
export function joinAudioDeltas(events: readonly Received[], responseId?: string): Uint8Array {
  const parts = events
    .filter((e) =>
      e.type === "response.output_audio.delta" &&
      (responseId === undefined || e.response_id === responseId)
    )
    .map((e) => decodeBase64(e.delta));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Event types with each run of deltas collapsed to one `…delta*` entry. */
export function shape(events: readonly Received[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    const type = event.type.endsWith(".delta") ? "deltas*" : event.type;
    if (type === "deltas*" && out.at(-1) === "deltas*") continue;
    out.push(type);
  }
  return out;
}
