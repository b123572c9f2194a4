/**
 * Upstream connectors: where the relay's second leg goes, with which credentials, and the
 * {@linkcode UpstreamLink} that gets there.
 *
 * | kind | where | auth |
 * | --- | --- | --- |
 * | openai | `REALTIME_URL` or `wss://api.openai.com/v1/realtime`, `?model=REALTIME_MODEL` | `Authorization: Bearer OPENAI_API_KEY`, no `OpenAI-Beta` |
 * | azure | `REALTIME_URL` or `wss://<resource>.openai.azure.com/openai/v1/realtime`, `?model=<deployment>` (no api-version) | `api-key` header |
 * | local | the embedded emulator, in this process (`emulator_link.ts`): no socket, no key | none |
 *
 * Local mode never touches the network: a Deno Deploy isolate cannot dial itself, and a
 * loopback hop would need `/v1/realtime` open to every client.
 *
 * The socket is npm `ws`, not Deno's built-in `WebSocket` client: Deno 2.9.6's client enables
 * Nagle's algorithm and writes each frame in two parts, so every message waits for a delayed
 * ACK; `ws` sets TCP_NODELAY (figures: BENCHMARKS.md, "Relay round trip").
 * `ws` also answers the service's idle PINGs by itself.
 *
 * @module
 */
import WebSocket from "ws";
import type { Config } from "./config.ts";
import { connectEmulator } from "./emulator_link.ts";

export const OPENAI_REALTIME_URL = "wss://api.openai.com/v1/realtime";

/** A GA Realtime service reached over a WebSocket. */
export interface SocketTarget {
  kind: "openai" | "azure";
  /** Full URL with the model query parameter. Never carries a key. */
  url: string;
  /** Headers with the credential; never logged. */
  headers: Record<string, string>;
}

/** The embedded emulator, driven in this process. */
export interface LocalTarget {
  kind: "local";
  /** The model the session reports (`REALTIME_MODEL`). */
  model: string;
  /** The emulated session's lifetime (`EMULATOR_SESSION_SECONDS`). */
  sessionSeconds: number;
  /**
   * What the emulator answers each user turn with (`LOCAL_COACH`).
   * @default {"echo"}
   */
  coach?: Config["localCoach"];
}

/** Where the relay's second leg goes. */
export type UpstreamTarget = SocketTarget | LocalTarget;

/**
 * What an open upstream tells its user. Handlers are called asynchronously (never from inside
 * a call on the link), in the order the upstream sent; a handler that throws is reported to
 * `error` and the link goes on.
 */
export interface UpstreamHandlers {
  /** A text frame, or a binary one (which the relay drops). */
  message(data: string | Uint8Array): void;
  /** The link is closed, with the upstream's code and reason; called exactly once. */
  close(code: number, reason: string): void;
  /** A socket error or a handler that threw (a `close` follows a fatal one). */
  error?(error: Error): void;
}

/** An open upstream: what the relay sends on, pauses and closes. */
export interface UpstreamLink {
  /** Bytes sent but not yet taken by the upstream. */
  readonly bufferedAmount: number;
  /** Whether sending is possible (false once either side began to close). */
  readonly isOpen: boolean;
  /** Whether delivery to the handlers is held (see {@linkcode pause}). */
  readonly isPaused: boolean;
  /** Sends one text frame; ignored once the link is not open. */
  send(text: string): void;
  /** Holds the upstream's messages, in order, until {@linkcode resume} (TCP pushes back). */
  pause(): void;
  /** Delivers held messages, then new ones as they come. */
  resume(): void;
  /**
   * Starts the close handshake (resuming delivery, so the answer can be read); a peer that
   * has not answered within {@linkcode CLOSE_GRACE_MS} is cut. Idempotent.
   */
  close(code: number, reason: string): void;
  /** Cuts the link at once; `close` reports 1006 unless the upstream's close came first. */
  terminate(): void;
}

/** How long {@linkcode UpstreamLink.close} waits for the upstream's answer before cutting. */
export const CLOSE_GRACE_MS = 1000;

/** Options of {@linkcode connectUpstream}. */
export interface ConnectOptions {
  /** The upstream must open within this many ms (sockets only). */
  timeoutMs: number;
  /**
   * Frames larger than this close the upstream (the service sends up to several MB).
   * @default {67108864}
   */
  maxPayload?: number;
  /** Aborting it before the upstream opens rejects the connect. */
  signal?: AbortSignal;
  /**
   * Open the link paused: nothing reaches the handlers until `resume()`. The relay uses it to
   * open its recording beside the upstream without losing the first `session.created`.
   * @default {false}
   */
  paused?: boolean;
  /** Debug log of the in-process emulator. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

function withModel(base: string, model: string): string {
  const url = new URL(base);
  if (url.protocol === "https:") url.protocol = "wss:";
  if (url.protocol === "http:") url.protocol = "ws:";
  if (!url.searchParams.has("model")) url.searchParams.set("model", model);
  return url.toString();
}

/** Where the relay connects for `config`. */
export function upstreamTarget(config: Readonly<Config>): UpstreamTarget {
  switch (config.upstream) {
    case "openai":
      return {
        kind: "openai",
        url: withModel(config.realtimeUrl ?? OPENAI_REALTIME_URL, config.model),
        headers: { Authorization: `Bearer ${config.openaiApiKey}` },
      };
    case "azure": {
      const endpoint = config.azureEndpoint!.replace(/\/+$/, "");
      return {
        kind: "azure",
        url: withModel(
          config.realtimeUrl ?? `${endpoint}/openai/v1/realtime`,
          config.azureDeployment!,
        ),
        headers: { "api-key": config.azureApiKey! },
      };
    }
    case "local":
      return {
        kind: "local",
        model: config.model,
        sessionSeconds: config.emulatorSessionSeconds,
        coach: config.localCoach,
      };
    default: {
      const unknown: never = config.upstream;
      throw new TypeError(`Cannot connect upstream: unknown kind ${unknown}`);
    }
  }
}

/** Why an upstream could not be opened. */
export class UpstreamError extends Error {
  /** HTTP status of a refused upgrade, when there was one. */
  readonly status: number | null;
  constructor(message: string, options: ErrorOptions & { status?: number | null } = {}) {
    super(message, options);
    this.name = "UpstreamError";
    this.status = options.status ?? null;
  }
}

/**
 * Opens the upstream for `target` and delivers what it sends to `handlers` from the start
 * (the first `session.created` included). Rejects with {@linkcode UpstreamError} on failure,
 * timeout or abort; `handlers.close` is called only for a link that opened.
 */
export function connectUpstream(
  target: UpstreamTarget,
  handlers: UpstreamHandlers,
  options: ConnectOptions,
): Promise<UpstreamLink> {
  if (options.signal?.aborted) {
    return Promise.reject(new UpstreamError("Cannot open the upstream: the session ended first"));
  }
  if (target.kind === "local") {
    return Promise.resolve(connectEmulator(target, handlers, options));
  }
  return connectSocket(target, handlers, options);
}

/** `handler()`, with a throw reported to `handlers.error` instead of escaping. */
function deliver(handlers: UpstreamHandlers, handler: () => void): void {
  try {
    handler();
  } catch (error) {
    handlers.error?.(error instanceof Error ? error : new Error(String(error)));
  }
}

/** An npm `ws` socket as an {@linkcode UpstreamLink}. */
class SocketLink implements UpstreamLink {
  #socket: WebSocket;
  #kill: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: WebSocket, handlers: UpstreamHandlers) {
    this.#socket = socket;
    socket.on("close", (code: number, reason: Buffer) => {
      clearTimeout(this.#kill);
      deliver(handlers, () => handlers.close(code, reason.toString("utf8")));
    });
    socket.on("error", (error: Error) => deliver(handlers, () => handlers.error?.(error)));
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  get isPaused(): boolean {
    return this.#socket.isPaused;
  }

  send(text: string): void {
    if (this.isOpen) this.#socket.send(text);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  close(code: number, reason: string): void {
    const socket = this.#socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    // Paused, it would never read the upstream's close reply.
    if (socket.isPaused) socket.resume();
    socket.close(code, reason);
    this.#kill = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
  }

  terminate(): void {
    this.#socket.terminate();
  }
}

function connectSocket(
  target: SocketTarget,
  handlers: UpstreamHandlers,
  options: ConnectOptions,
): Promise<UpstreamLink> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target.url, {
      headers: target.headers,
      maxPayload: options.maxPayload ?? 64 * 1024 * 1024,
      perMessageDeflate: false,
      handshakeTimeout: options.timeoutMs,
    });
    const fail = (error: UpstreamError) => {
      cleanup();
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.terminate();
      reject(error);
    };
    const onAbort = () =>
      fail(new UpstreamError("Cannot open the upstream: the session ended first"));
    const timer = setTimeout(
      () =>
        fail(
          new UpstreamError(`Cannot open the upstream: no answer within ${options.timeoutMs} ms`),
        ),
      options.timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    // Listening before the upgrade completes: the service sends `session.created` right after
    // the 101, often in the same TCP read, and `ws` emits it before a promise's awaiter runs.
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      deliver(handlers, () => handlers.message(isBinary ? data : data.toString("utf8")));
    });
    socket.once("open", () => {
      cleanup();
      socket.removeAllListeners("error");
      socket.removeAllListeners("unexpected-response");
      // Before `ws` reads anything past the 101 (it does so on a later tick).
      if (options.paused) socket.pause();
      resolve(new SocketLink(socket, handlers));
    });
    socket.once("unexpected-response", (_req, res) => {
      fail(
        new UpstreamError(`Cannot open the upstream: it answered HTTP ${res.statusCode}`, {
          status: res.statusCode ?? null,
        }),
      );
    });
    socket.once("error", (error) => {
      fail(new UpstreamError(`Cannot open the upstream: ${error.message}`, { cause: error }));
    });
  });
}
