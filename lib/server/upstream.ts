/**
 * Upstream connectors: where the relay's second leg goes, with which credentials, and the
 * socket that gets there.
 *
 * The socket is npm `ws`, not Deno's built-in `WebSocket` client: Deno 2.9.6's client enables
 * Nagle's algorithm and writes each frame in two parts, so every message waits for a delayed
 * ACK (23 ms p50 added per message, measured); `ws` sets TCP_NODELAY and adds well under 1 ms.
 * `ws` also answers the service's idle PINGs by itself.
 *
 * | kind | URL | auth |
 * | --- | --- | --- |
 * | openai | `REALTIME_URL` or `wss://api.openai.com/v1/realtime`, `?model=REALTIME_MODEL` | `Authorization: Bearer OPENAI_API_KEY`, no `OpenAI-Beta` |
 * | azure | `REALTIME_URL` or `wss://<resource>.openai.azure.com/openai/v1/realtime`, `?model=<deployment>` (no api-version) | `api-key` header |
 * | local | this server's `/v1/realtime?model=…` (the embedded emulator) | a per-process bearer |
 *
 * @module
 */
import WebSocket from "ws";
import type { Config, UpstreamKind } from "./config.ts";

export const OPENAI_REALTIME_URL = "wss://api.openai.com/v1/realtime";

export interface UpstreamTarget {
  kind: UpstreamKind;
  /** Full URL with the model query parameter. Never carries a key. */
  url: string;
  /** Headers with the credential; never logged. */
  headers: Record<string, string>;
}

function withModel(base: string, model: string): string {
  const url = new URL(base);
  if (url.protocol === "https:") url.protocol = "wss:";
  if (url.protocol === "http:") url.protocol = "ws:";
  if (!url.searchParams.has("model")) url.searchParams.set("model", model);
  return url.toString();
}

/**
 * Where the relay connects for `config`. `localUrl` is this server's own base URL
 * (`http://127.0.0.1:PORT`), used in local mode.
 */
export function upstreamTarget(
  config: Readonly<Config>,
  localUrl: string,
  localKey: string,
): UpstreamTarget {
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
        url: withModel(`${localUrl}/v1/realtime`, config.model),
        headers: { Authorization: `Bearer ${localKey}` },
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

export interface ConnectOptions {
  timeoutMs: number;
  /** Frames larger than this close the upstream (the service sends up to several MB). */
  maxPayload?: number;
  signal?: AbortSignal;
}

type MessageHandler = (data: Buffer, isBinary: boolean) => void;

/**
 * Messages that arrived between the upgrade and the caller's first listener. The service
 * sends `session.created` right after the 101, often in the same TCP read, and `ws` emits it
 * before the promise below has even resumed its awaiter: without this buffer that first
 * event would be lost and the session would wait forever.
 */
const EARLY = new WeakMap<WebSocket, { hold: MessageHandler; messages: [Buffer, boolean][] }>();

/**
 * Starts delivering the upstream's messages to `handler`, those that arrived before the call
 * first, in order. Call once, synchronously after {@linkcode connectUpstream} resolves.
 */
export function listenUpstream(socket: WebSocket, handler: MessageHandler): void {
  const early = EARLY.get(socket);
  if (early) {
    EARLY.delete(socket);
    socket.off("message", early.hold);
    for (const [data, isBinary] of early.messages) handler(data, isBinary);
  }
  socket.on("message", handler);
}

/**
 * Opens the upstream socket; rejects with {@linkcode UpstreamError} on failure or timeout.
 * Read its messages with {@linkcode listenUpstream}, which replays any that came early.
 */
export function connectUpstream(
  target: UpstreamTarget,
  options: ConnectOptions,
): Promise<WebSocket> {
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
    const messages: [Buffer, boolean][] = [];
    const hold: MessageHandler = (data, isBinary) => messages.push([data, isBinary]);
    socket.on("message", hold);
    EARLY.set(socket, { hold, messages });
    socket.once("open", () => {
      cleanup();
      socket.removeAllListeners("error");
      socket.removeAllListeners("unexpected-response");
      resolve(socket);
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
