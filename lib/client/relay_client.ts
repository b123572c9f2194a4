/**
 * The browser's side of the relay: gets a fresh ticket for every (re)connect, opens the
 * WebSocket, sends each 20 ms frame as one `input_audio_buffer.append` the moment it is
 * complete, and reconnects by {@linkcode ReconnectPolicy}.
 *
 * While the socket is not open, or its `bufferedAmount` says the network is behind, frames
 * wait in a bounded queue (30 frames ≈ 600 ms); past that the oldest are dropped and counted,
 * so a stall never turns into a burst of stale audio or unbounded memory.
 *
 * A connect attempt (the ticket, then the socket's opening) that has not opened within
 * `openTimeoutMs` is abandoned and retried like a network failure: a server under load can
 * take an upgrade and never answer it, and the browser would otherwise wait for minutes.
 *
 * Every ticket request carries the conversation's resume token when there is one
 * (`resumeToken`), so a reconnect goes on with the same conversation; a token the server
 * refuses (401 `resume_invalid`) is reported (`onResumeRefused`) and the ticket asked for
 * again at once without it. {@linkcode RelayClient.retryNow} skips a pending backoff wait.
 *
 * @module
 */
import { encodeBase64 } from "@/lib/shared/base64.ts";
import type { ServerEvent } from "@/lib/shared/realtime/mod.ts";
import { windowPercentile } from "./diagnostics.ts";
import { type Disconnect, ReconnectPolicy } from "./reconnect.ts";
import {
  BUDGET_EXHAUSTED,
  budgetResetTime,
  refusalCode,
  RESUME_INVALID,
  retryAfterSeconds,
} from "./relay_events.ts";

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "failed" | "closed";

/** Timers and time, replaceable by a fake clock in tests. */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  now(): number;
}

const REAL_CLOCK: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
  now: () => performance.now(),
};

/** A retry that waits: the how-manieth, how long, and why. */
export interface RetryInfo {
  attempt: number;
  delayMs: number;
  cause: Disconnect;
  /** No connection opened since `start()`: the server was never reached. */
  neverOpened: boolean;
}

export interface RelayClientOptions {
  /** Page origin, e.g. `location.origin`. */
  baseUrl: string;
  onEvent(event: ServerEvent): void;
  /** The connection's state; for `failed`, `cause` says what ended it for good. */
  onState(state: ConnectionState, detail?: string, cause?: Disconnect): void;
  /** A retry was scheduled (before `onState("reconnecting")`). */
  onRetry?(info: RetryInfo): void;
  /** The resume token to send with the next ticket request (null: a new conversation). */
  resumeToken?(): string | null;
  /** The server refused the resume token; the ticket is asked for again without it. */
  onResumeRefused?(): void;
  policy?: ReconnectPolicy;
  clock?: Clock;
  /** Frames kept while the socket cannot take them. @default 30 */
  maxQueuedFrames?: number;
  /** Treat the socket as behind above this many buffered bytes. @default 64 KiB */
  highWaterBytes?: number;
  /**
   * Longest wait from asking for a ticket to the socket's `open`; past it the attempt is
   * abandoned and retried as a network failure. @default 5000
   */
  openTimeoutMs?: number;
}

export interface SendStats {
  framesSent: number;
  framesDropped: number;
  queueDepth: number;
  /** 95th percentile of the time between consecutive appends (ms), over the last 500. */
  sendGapP95Ms: number | null;
  /** 95th percentile of capture → send (ms), over the last 500, when capture times are known. */
  captureToSendP95Ms: number | null;
}

const WINDOW = 500;

export class RelayClient {
  #options: RelayClientOptions;
  #policy: ReconnectPolicy;
  #clock: Clock;
  #socket: WebSocket | null = null;
  #state: ConnectionState = "idle";
  #retryTimer: unknown = null;
  /** The connect attempt under way (ticket or opening socket); null once open or given up. */
  #attempt: AbortController | null = null;
  #openTimer: unknown = null;
  #queue: { frame: Uint8Array; capturedAt: number | null }[] = [];
  #stopped = true;
  #everOpened = false;
  #framesSent = 0;
  #framesDropped = 0;
  #lastSendAt: number | null = null;
  #gaps = new Float64Array(WINDOW);
  #gapCount = 0;
  #latencies = new Float64Array(WINDOW);
  #latencyCount = 0;

  constructor(options: RelayClientOptions) {
    this.#options = options;
    this.#policy = options.policy ?? new ReconnectPolicy();
    this.#clock = options.clock ?? REAL_CLOCK;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get stats(): SendStats {
    return {
      framesSent: this.#framesSent,
      framesDropped: this.#framesDropped,
      queueDepth: this.#queue.length,
      sendGapP95Ms: windowPercentile(this.#gaps, this.#gapCount, 0.95),
      captureToSendP95Ms: windowPercentile(this.#latencies, this.#latencyCount, 0.95),
    };
  }

  /** Connects (user gesture). Safe to call again after `failed` or `closed` (a Retry). */
  start(): void {
    this.#stopped = false;
    this.#everOpened = false;
    this.#policy.reset();
    this.#connect("connecting");
  }

  /** Skips the backoff wait: tries now (true), if a retry was waiting. */
  retryNow(): boolean {
    if (this.#stopped || this.#retryTimer === null) return false;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#connect("reconnecting");
    return true;
  }

  /** Drops the frames waiting to be sent (they would arrive stale). */
  clearQueue(): void {
    this.#queue = [];
  }

  /** Ends the session on purpose: close 1000, no retry, queue dropped. */
  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer !== null) this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#endAttempt()?.abort();
    this.#queue = [];
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "user stopped");
    this.#setState("closed");
  }

  /** Sends a control event now; false if the socket is not open (nothing is queued). */
  send(event: { type: string } & Record<string, unknown>): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(event));
    return true;
  }

  /** Sends one 960-byte frame as an append now, or queues it (bounded) if it cannot go yet. */
  sendAudioFrame(frame: Uint8Array, capturedAt: number | null = null): void {
    this.#queue.push({ frame, capturedAt });
    if (this.#queue.length > (this.#options.maxQueuedFrames ?? 30)) {
      this.#queue.shift();
      this.#framesDropped++;
    }
    this.#flush();
  }

  #flush(): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const highWater = this.#options.highWaterBytes ?? 64 * 1024;
    while (this.#queue.length > 0 && socket.bufferedAmount < highWater) {
      const { frame, capturedAt } = this.#queue.shift()!;
      socket.send(`{"type":"input_audio_buffer.append","audio":"${encodeBase64(frame)}"}`);
      const now = this.#clock.now();
      if (this.#lastSendAt !== null) this.#gaps[this.#gapCount++ % WINDOW] = now - this.#lastSendAt;
      this.#lastSendAt = now;
      if (capturedAt !== null) this.#latencies[this.#latencyCount++ % WINDOW] = now - capturedAt;
      this.#framesSent++;
    }
  }

  #setState(state: ConnectionState, detail?: string): void {
    if (this.#state === state && detail === undefined) return;
    this.#state = state;
    this.#options.onState(state, detail);
  }

  async #connect(state: "connecting" | "reconnecting"): Promise<void> {
    this.#retryTimer = null;
    this.#setState(state);
    this.#lastSendAt = null;
    const attempt = new AbortController();
    this.#attempt = attempt;
    this.#openTimer = this.#clock.setTimeout(
      () => this.#openTimedOut(attempt),
      this.#options.openTimeoutMs ?? 5000,
    );
    let relayPath: string;
    try {
      const token = this.#options.resumeToken?.() ?? null;
      const res = await fetch(new URL("/api/session", this.#options.baseUrl), {
        method: "POST",
        signal: attempt.signal,
        ...(token === null ? {} : {
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ resume_token: token }),
        }),
      });
      if (!res.ok) {
        const cause = await refusal(res, Date.now());
        if (attempt.signal.aborted) return;
        this.#endAttempt();
        if (token !== null && cause.type === "http" && cause.code === RESUME_INVALID) {
          // The conversation cannot go on: start a new one at once.
          this.#options.onResumeRefused?.();
          if (this.#options.resumeToken?.() !== token) return void this.#connect(state);
        }
        return this.#lost(cause);
      }
      relayPath = (await res.json()).relay;
    } catch {
      // Aborted: stopped or timed out, and that path has already decided what comes next.
      if (attempt.signal.aborted) return;
      this.#endAttempt();
      return this.#lost({ type: "network" });
    }
    if (this.#stopped || attempt.signal.aborted) return;
    const url = new URL(relayPath, this.#options.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    this.#socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.#everOpened = true;
      this.#endAttempt();
      this.#policy.connected(this.#clock.now());
      this.#setState("open");
      this.#flush();
    };
    socket.onmessage = (e) => {
      if (typeof e.data !== "string") return;
      let event: ServerEvent;
      try {
        event = JSON.parse(e.data);
      } catch {
        return;
      }
      this.#options.onEvent(event);
    };
    socket.onclose = (e) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (!opened) this.#endAttempt();
      this.#lost(opened ? { type: "close", code: e.code, reason: e.reason } : { type: "network" });
    };
  }

  /** Ends the attempt under way (clears its deadline); returns it, or null if there was none. */
  #endAttempt(): AbortController | null {
    const attempt = this.#attempt;
    this.#attempt = null;
    if (this.#openTimer !== null) this.#clock.clearTimeout(this.#openTimer);
    this.#openTimer = null;
    return attempt;
  }

  /** `attempt` has not opened in time: abandon its request or socket and retry. */
  #openTimedOut(attempt: AbortController): void {
    this.#openTimer = null;
    if (this.#attempt !== attempt) return;
    this.#endAttempt();
    attempt.abort();
    const socket = this.#socket;
    if (socket) {
      this.#socket = null;
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close();
    }
    this.#lost({ type: "network" });
  }

  #lost(cause: Disconnect): void {
    if (this.#stopped) return;
    const decision = this.#policy.disconnected(this.#clock.now(), cause);
    if (!decision.retry) {
      this.#queue = [];
      this.#state = "failed";
      this.#options.onState("failed", decision.reason, decision.cause);
      return;
    }
    this.#options.onRetry?.({
      attempt: decision.attempt,
      delayMs: decision.delayMs,
      cause,
      neverOpened: !this.#everOpened,
    });
    this.#setState("reconnecting", `retry ${decision.attempt} in ${decision.delayMs} ms`);
    this.#retryTimer = this.#clock.setTimeout(
      () => this.#connect("reconnecting"),
      decision.delayMs,
    );
  }
}

/**
 * A refused ticket request as a {@linkcode Disconnect}: its status, the code its JSON body
 * names, its `retry-after`, and for a spent budget when it comes back.
 */
async function refusal(res: Response, now: number): Promise<Disconnect> {
  let body: unknown = null;
  try {
    body = JSON.parse(await res.text());
  } catch {
    // Not JSON (or the body failed): the status says enough.
  }
  const code = refusalCode(body);
  const retryAfter = retryAfterSeconds(res.headers.get("retry-after"));
  return {
    type: "http",
    status: res.status,
    code,
    retryAfterSeconds: retryAfter,
    resetsAt: code === BUDGET_EXHAUSTED ? budgetResetTime(body, retryAfter, now) : null,
  };
}
