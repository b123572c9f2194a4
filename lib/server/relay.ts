/**
 * One relay session: the browser's WebSocket on one side, the Realtime upstream on the other.
 *
 * Lifecycle:
 * 1. The browser socket is open (the route checked the ticket and Origin before upgrading).
 *    Browser messages are queued (bounded) until the upstream is ready.
 * 2. The upstream opens (timeout → an `error` event and close 1011), sends `session.created`
 *    (forwarded), and the relay sends the server's GA `session.update` (COACH_* settings).
 *    Then the queue drains in order and messages flow both ways.
 * 3. Either side closing closes the other with its code and reason (1000, 1001, 3000, 4000…).
 *
 * Browser → upstream, per message: size limit, then the shared validator (exact GA errors),
 * then the relay's allow-list. An even-length binary frame is wrapped into an
 * `input_audio_buffer.append`. A rejected message gets one `error` event; the session goes on.
 * Accepted text is forwarded as received (no re-serialization), appends are recorded.
 *
 * Upstream → browser: text frames that are JSON events (an object with a string `type`) are
 * forwarded as received; binary frames and text that is not a JSON event are dropped and
 * counted (`relay_shed_total{reason="binary"|"malformed"}`), and the session goes on.
 *
 * Memory stays bounded both ways: when the browser reads slowly (its `bufferedAmount` is
 * high) the upstream socket is paused, pushing back through TCP, and a browser that stays
 * stalled is closed; when the upstream is congested, appends are shed and counted.
 *
 * A browser that vanishes without a close is found two ways: Deno's idle timeout (the route's
 * `idleTimeout`) pings it, but that ping waits behind any frame the browser is not reading,
 * so the relay also closes a browser that has taken none of the data waiting for it for
 * `BROWSER_STALL_MS` (1008).
 *
 * @module
 */
import type WebSocket from "ws";
import { decodeBase64, encodeBase64 } from "@/lib/shared/base64.ts";
import { COACH_TURN_DETECTION } from "@/lib/shared/coach_session.ts";
import {
  type ErrorEvent,
  errorEvent,
  parseClientEvent,
  type ParseOptions,
} from "@/lib/shared/events.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import { SessionRecorder } from "./recorder.ts";
import { connectUpstream, listenUpstream, UpstreamError, type UpstreamTarget } from "./upstream.ts";

/** Browser events the relay forwards. Anything else is answered with an error. */
export const ALLOWED_EVENTS: ReadonlySet<string> = new Set([
  "input_audio_buffer.append",
  "input_audio_buffer.commit",
  "input_audio_buffer.clear",
  "conversation.item.truncate",
  "response.create",
  "response.cancel",
  "session.update",
]);

/** Relay-specific error codes, in the Realtime error envelope. */
export const RELAY_ERROR = {
  notAllowed: "relay_event_not_allowed",
  tooLarge: "relay_event_too_large",
  queueFull: "relay_queue_full",
  congested: "relay_upstream_congested",
  unavailable: "upstream_unavailable",
  disconnected: "upstream_disconnected",
  expired: "relay_session_expired",
} as const;

/** Messages queued while the upstream opens: at most this many… */
export const MAX_QUEUED_EVENTS = 512;
/** …and this many bytes (about 40 s of 20 ms appends). */
export const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Pause reading the upstream when this much waits to go to the browser. */
export const BROWSER_HIGH_WATER = 1024 * 1024;
/** Resume when the browser's backlog is below this. */
export const BROWSER_LOW_WATER = 256 * 1024;
/** On shutdown, wait this long at most for each leg to finish its close handshake. */
export const SHUTDOWN_GRACE_MS = 1000;
/** Shed appends when this much waits to go upstream. */
export const UPSTREAM_HIGH_WATER = 2 * 1024 * 1024;

export interface RelayOptions {
  sessionId: string;
  config: Readonly<Config>;
  target: UpstreamTarget;
  metrics: RelayMetrics;
  logger: Logger;
}

/** Parse options, made once: the per-message path allocates none. */
const DECODE_AUDIO: ParseOptions = { decodeAudio: true };
const CHECK_AUDIO: ParseOptions = { decodeAudio: false };

/** `WebSocket.readyState` values (the same for the WHATWG and `ws` sockets). */
const OPEN = 1;

type Phase = "connecting" | "open" | "closed";

interface Queued {
  data: string | ArrayBuffer;
  receivedAt: number;
}

/** The GA session the server configures (the seed's VAD choices, GA shape). */
export function coachSessionUpdate(config: Readonly<Config>): string {
  return JSON.stringify({
    type: "session.update",
    session: {
      type: "realtime",
      instructions: config.coachInstructions,
      output_modalities: ["audio"],
      audio: {
        input: {
          format: { type: "audio/pcm", rate: 24000 },
          transcription: { model: "gpt-4o-mini-transcribe" },
          turn_detection: COACH_TURN_DETECTION,
        },
        output: { format: { type: "audio/pcm", rate: 24000 }, voice: config.coachVoice },
      },
    },
  });
}

/** Close codes a server may send, passed through; others become 1011. */
function sendableCode(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1008 || code === 1011 ||
    (code >= 3000 && code <= 4999);
}

/** Close reasons are limited to 123 bytes of UTF-8. */
function clipReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= 123) return reason;
  return new TextDecoder().decode(bytes.subarray(0, 120)).replace(/\uFFFD$/, "") + "…";
}

export class RelaySession {
  readonly id: string;
  /** Settles when both legs are closed and the recording is finished. */
  readonly done: Promise<void>;

  #browser: globalThis.WebSocket;
  #upstream: WebSocket | null = null;
  /** Settle when each socket has closed (its close event). */
  #browserClosed = Promise.withResolvers<void>();
  #upstreamClosed = Promise.withResolvers<void>();
  #options: RelayOptions;
  #log: Logger;
  #phase: Phase = "connecting";
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #recorder: SessionRecorder | null = null;
  #abort = new AbortController();
  #resolveDone: () => void;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #pausedSince = 0;
  #drainTimer: ReturnType<typeof setInterval> | null = null;
  #watchdog: ReturnType<typeof setInterval>;
  #lastCongestionError = 0;
  #sessionConfigured = false;
  /** The browser's `bufferedAmount` when last seen, and when it last went down or was 0. */
  #lastBuffered = 0;
  #lastDelivery = performance.now();
  /** Upstream frames dropped (binary or not a JSON event). */
  #droppedUpstream = 0;

  constructor(browser: globalThis.WebSocket, options: RelayOptions) {
    this.id = options.sessionId;
    this.#browser = browser;
    this.#options = options;
    this.#log = options.logger.with({ session: options.sessionId });
    const done = Promise.withResolvers<void>();
    this.done = done.promise;
    this.#resolveDone = done.resolve;
    browser.binaryType = "arraybuffer";
    browser.addEventListener("message", (e) => this.#onBrowserMessage(e.data));
    browser.addEventListener("close", (e) => {
      this.#browserClosed.resolve();
      this.#onBrowserClose(e.code, e.reason);
    });
    browser.addEventListener("error", () => {});
    options.metrics.sessionsActive.inc();
    options.metrics.sessionsTotal.inc();
    this.#timers.push(setTimeout(() => this.#expire(), options.config.maxSessionSeconds * 1000));
    const stallMs = options.config.browserStallMs;
    this.#watchdog = setInterval(
      () => this.#checkBrowser(),
      Math.min(1000, Math.max(20, stallMs / 5)),
    );
    // The route hands over a socket still completing its upgrade: start once it is open, so
    // that an early failure can still be reported to the browser.
    if (browser.readyState === OPEN) this.#start();
    else browser.addEventListener("open", () => this.#start(), { once: true });
  }

  async #start(): Promise<void> {
    const { target } = this.#options;
    this.#log.info("relay session opening", { upstream: target.kind });
    // Both open at once; a recording that cannot open never fails the session.
    const recorder = this.#openRecorder();
    let upstream: WebSocket;
    try {
      upstream = await this.#connect();
    } catch (error) {
      await this.#discardRecorder(await recorder);
      if (this.#phase === "closed") return;
      this.#failToOpen(error);
      return;
    }
    this.#recorder = await recorder;
    if (this.#phase === "closed") {
      upstream.terminate();
      await this.#discardRecorder(this.#recorder);
      this.#recorder = null;
      return;
    }
    this.#attachUpstream(upstream);
  }

  /** Opens the upstream leg. */
  #connect(): Promise<WebSocket> {
    const { config, target } = this.#options;
    return connectUpstream(target, {
      timeoutMs: config.upstreamConnectTimeoutMs,
      signal: this.#abort.signal,
    });
  }

  /** The upstream could not be opened: tell the browser in plain words, then close. */
  #failToOpen(error: unknown): void {
    const message = error instanceof UpstreamError
      ? error.message
      : `Cannot start the session: ${(error as Error).message}`;
    this.#log.error("upstream failed before opening", { error: message });
    this.#sendError(
      errorEvent(RELAY_ERROR.unavailable, `${message}. Try again in a moment.`, {
        type: "server_error",
      }),
    );
    this.#close(1011, "upstream unavailable");
  }

  /** Opens the session's recording when `RECORD_DIR` is set; null when off or failed. */
  async #openRecorder(): Promise<SessionRecorder | null> {
    const { config } = this.#options;
    if (!config.recordDir) return null;
    return await SessionRecorder.open(config.recordDir, this.id);
  }

  /** Closes a recording the session will not use. */
  async #discardRecorder(recorder: SessionRecorder | null): Promise<void> {
    await recorder?.close();
  }

  #attachUpstream(upstream: WebSocket): void {
    this.#upstream = upstream;
    listenUpstream(upstream, (data: Buffer, isBinary: boolean) => {
      this.#onUpstreamMessage(isBinary ? data : data.toString("utf8"));
    });
    upstream.on("close", (code: number, reason: Buffer) => {
      this.#upstreamClosed.resolve();
      this.#onUpstreamClose(code, reason.toString());
    });
    upstream.on(
      "error",
      (error: Error) => this.#log.warn("upstream socket error", { error: error.message }),
    );
  }

  // ---- upstream → browser -------------------------------------------------------------

  #onUpstreamMessage(data: string | Buffer): void {
    if (this.#phase === "closed") return;
    const receivedAt = performance.now();
    if (typeof data !== "string") {
      this.#dropUpstream("binary", data.length);
      return;
    }
    // One parse per frame (about 2 µs for a 13 KB audio delta): the browser only gets events.
    const event = upstreamEvent(data);
    if (event === null) {
      this.#dropUpstream("malformed", data.length);
      return;
    }
    if (event.type === "session.created" && !this.#sessionConfigured) this.#configureSession();
    else if (event.type === "response.output_audio.delta") this.#recordOutput(event);
    else if (event.type === "error") this.#countUpstreamError(event);
    if (this.#browser.readyState !== OPEN) return;
    this.#sendToBrowser(data);
    const { metrics } = this.#options;
    metrics.down.frames.inc();
    metrics.down.bytes.inc(data.length);
    metrics.down.latency.observe((performance.now() - receivedAt) / 1000);
    if (this.#lastBuffered > BROWSER_HIGH_WATER) this.#pauseUpstream();
  }

  #dropUpstream(reason: "binary" | "malformed", bytes: number): void {
    this.#options.metrics.shed.inc({ direction: "upstream_to_browser", reason });
    // The first one is worth a warning; a stream of them would flood the log.
    const level = this.#droppedUpstream++ === 0 ? "warn" : "debug";
    this.#log[level](
      reason === "binary"
        ? "upstream sent a binary frame; dropped"
        : "upstream sent text that is not a JSON event; dropped",
      { bytes, dropped: this.#droppedUpstream },
    );
  }

  /** Sends to the browser, noting whether it took anything since the last look. */
  #sendToBrowser(text: string): void {
    const browser = this.#browser;
    this.#noteDelivery(browser.bufferedAmount);
    browser.send(text);
    this.#lastBuffered = browser.bufferedAmount;
  }

  /** `bufferedAmount` only goes down when the browser's socket took a whole frame. */
  #noteDelivery(buffered: number): void {
    if (buffered === 0 || buffered < this.#lastBuffered) this.#lastDelivery = performance.now();
  }

  /**
   * Closes a browser that took none of the data waiting for it for `BROWSER_STALL_MS`. Deno's
   * idle timeout cannot: its ping waits behind the frames the browser is not reading.
   */
  #checkBrowser(): void {
    const buffered = this.#browser.bufferedAmount;
    this.#noteDelivery(buffered);
    this.#lastBuffered = buffered;
    const stalledMs = performance.now() - this.#lastDelivery;
    if (stalledMs <= this.#options.config.browserStallMs) return;
    this.#log.warn("browser took nothing; closing", { buffered, stalledMs: Math.round(stalledMs) });
    this.#close(1008, "client too slow: audio could not be delivered");
  }

  /** On `session.created`, configure the session, then release the browser's queue. */
  #configureSession(): void {
    this.#sessionConfigured = true;
    this.#upstream!.send(coachSessionUpdate(this.#options.config));
    this.#phase = "open";
    // Flush after this event has been forwarded (the caller sends it next).
    queueMicrotask(() => this.#drainQueue());
  }

  #recordOutput(event: UpstreamEvent): void {
    if (!this.#recorder || typeof event.delta !== "string") return;
    try {
      this.#recorder.output(decodeBase64(event.delta));
    } catch (error) {
      this.#log.warn("could not record an output delta", { error: String(error) });
    }
  }

  #countUpstreamError(event: UpstreamEvent): void {
    const error = isObject(event.error) ? event.error : {};
    const code = String(error.code ?? "null");
    this.#options.metrics.countError("upstream", error.code);
    this.#log.info("upstream error event", { code, param: error.param ?? null });
  }

  #pauseUpstream(): void {
    if (this.#drainTimer || !this.#upstream) return;
    this.#upstream.pause();
    this.#pausedSince = performance.now();
    this.#options.metrics.shed.inc({ direction: "upstream_to_browser", reason: "paused" });
    this.#log.warn("browser is slow; pausing the upstream", {
      buffered: this.#browser.bufferedAmount,
    });
    this.#drainTimer = setInterval(() => {
      if (this.#browser.bufferedAmount < BROWSER_LOW_WATER) {
        clearInterval(this.#drainTimer!);
        this.#drainTimer = null;
        this.#upstream?.resume();
      } else if (performance.now() - this.#pausedSince > this.#options.config.browserStallMs) {
        this.#log.warn("browser stalled; closing", { buffered: this.#browser.bufferedAmount });
        this.#close(1008, "client too slow: audio could not be delivered");
      }
    }, 20);
  }

  #onUpstreamClose(code: number, reason: string): void {
    if (this.#phase === "closed") return;
    this.#log.info("upstream closed", { code, reason });
    if (!sendableCode(code)) {
      this.#sendError(
        errorEvent(
          RELAY_ERROR.disconnected,
          `The realtime service closed the connection unexpectedly (${code}). Reconnect to continue.`,
          { type: "server_error" },
        ),
      );
      this.#close(1011, "upstream disconnected");
      return;
    }
    this.#close(code, reason);
  }

  // ---- browser → upstream -------------------------------------------------------------

  #onBrowserMessage(data: unknown): void {
    if (this.#phase === "closed") return;
    const item: Queued = {
      data: typeof data === "string" ? data : data as ArrayBuffer,
      receivedAt: performance.now(),
    };
    if (this.#phase === "open" && this.#queue.length === 0) {
      this.#forward(item);
      return;
    }
    const size = typeof item.data === "string" ? item.data.length : item.data.byteLength;
    if (this.#queue.length >= MAX_QUEUED_EVENTS || this.#queuedBytes + size > MAX_QUEUED_BYTES) {
      this.#options.metrics.shed.inc({ direction: "browser_to_upstream", reason: "queue_full" });
      this.#reject(
        RELAY_ERROR.queueFull,
        `Cannot queue the event: ${this.#queue.length} events wait for the realtime service to open. Wait for session.updated before sending.`,
        null,
      );
      return;
    }
    this.#queue.push(item);
    this.#queuedBytes += size;
  }

  #drainQueue(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const item of queue) {
      if (this.#phase !== "open") return;
      this.#forward(item);
    }
  }

  #forward(item: Queued): void {
    const { config, metrics } = this.#options;
    let text: string;
    let isAppend = true;
    /** The append's audio, when it is to be recorded (or came as a binary frame). */
    let audio: Uint8Array | null = null;
    if (typeof item.data !== "string") {
      const bytes = new Uint8Array(item.data);
      if (bytes.length === 0 || bytes.length % 2 !== 0) {
        this.#reject(
          "invalid_value",
          `Cannot forward a binary frame of ${bytes.length} bytes: send PCM16 audio (an even, non-zero number of bytes) or a JSON event`,
          null,
          "audio",
        );
        return;
      }
      if (bytes.length > config.maxEventBytes) {
        this.#tooLarge(bytes.length, null);
        return;
      }
      audio = bytes;
      text = `{"type":"input_audio_buffer.append","audio":"${encodeBase64(bytes)}"}`;
    } else {
      text = item.data;
      // UTF-8 takes at most 3 bytes per UTF-16 unit; measure exactly only near the limit.
      if (text.length * 3 > config.maxEventBytes) {
        const size = new TextEncoder().encode(text).length;
        if (size > config.maxEventBytes) {
          this.#tooLarge(size, null);
          return;
        }
      }
      // Decoding an append's audio is needed only to record it; the check is the same.
      const parsed = parseClientEvent(text, this.#recorder ? DECODE_AUDIO : CHECK_AUDIO);
      if (!parsed.ok) {
        this.#sendError(parsed.error);
        metrics.countError("relay", parsed.error.error.code);
        return;
      }
      const event = parsed.event;
      if (!ALLOWED_EVENTS.has(event.type)) {
        this.#reject(
          RELAY_ERROR.notAllowed,
          `Cannot forward '${event.type}': the relay forwards only ${
            [...ALLOWED_EVENTS].join(", ")
          }`,
          event.event_id ?? null,
          "type",
        );
        return;
      }
      if (event.type === "session.update") {
        const field = disallowedSessionField(event.session);
        if (field) {
          this.#reject(
            RELAY_ERROR.notAllowed,
            `Cannot change '${field}' through the relay: the server configures the session; only 'session.audio.input.turn_detection' may be updated`,
            event.event_id ?? null,
            field,
          );
          return;
        }
      }
      isAppend = event.type === "input_audio_buffer.append";
      if (isAppend) audio = parsed.audioBytes;
    }
    const upstream = this.#upstream!;
    if (isAppend && upstream.bufferedAmount > UPSTREAM_HIGH_WATER) {
      metrics.shed.inc({ direction: "browser_to_upstream", reason: "congested" });
      const now = performance.now();
      if (now - this.#lastCongestionError > 1000) {
        this.#lastCongestionError = now;
        this.#reject(
          RELAY_ERROR.congested,
          "Audio dropped: the realtime service is not keeping up. Check your connection.",
          null,
        );
      }
      return;
    }
    upstream.send(text);
    if (audio) this.#recorder?.input(audio);
    metrics.up.frames.inc();
    metrics.up.bytes.inc(text.length);
    metrics.up.latency.observe((performance.now() - item.receivedAt) / 1000);
  }

  #tooLarge(size: number, eventId: string | null): void {
    this.#reject(
      RELAY_ERROR.tooLarge,
      `Cannot forward an event of ${size} bytes: the relay accepts at most ${this.#options.config.maxEventBytes}. Send audio in smaller appends.`,
      eventId,
    );
  }

  #reject(
    code: string,
    message: string,
    eventId: string | null,
    param: string | null = null,
  ): void {
    this.#options.metrics.countError("relay", code);
    this.#sendError(errorEvent(code, message, { eventId, param }));
  }

  #sendError(event: ErrorEvent): void {
    if (this.#browser.readyState === OPEN) this.#sendToBrowser(JSON.stringify(event));
  }

  #onBrowserClose(code: number, reason: string): void {
    if (this.#phase === "closed") return;
    this.#log.info("browser closed", { code, reason });
    this.#close(code === 1001 ? 1001 : 1000, reason);
  }

  #expire(): void {
    const minutes = this.#options.config.maxSessionSeconds / 60;
    const limit = Number.isInteger(minutes)
      ? `${minutes} minute${minutes === 1 ? "" : "s"}`
      : `${this.#options.config.maxSessionSeconds} seconds`;
    this.#log.info("session reached its maximum duration");
    this.#sendError(
      errorEvent(
        RELAY_ERROR.expired,
        `Your session hit the relay's maximum duration of ${limit}. Start a new session to continue.`,
      ),
    );
    this.#close(1001, `Your session hit the maximum duration of ${limit}.`);
  }

  /**
   * Ends the session from the server side (shutdown), with a reason for the browser. Settles
   * once the recording is finished and both legs have answered the close (or
   * {@linkcode SHUTDOWN_GRACE_MS} passed), so that the close frame and its reason reach the
   * browser before the process exits.
   */
  async shutdown(reason: string): Promise<void> {
    this.#close(1001, reason);
    const legs = [this.#browserClosed.promise];
    if (this.#upstream) legs.push(this.#upstreamClosed.promise);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS));
    await Promise.all([this.done, Promise.race([Promise.all(legs), grace])]);
    clearTimeout(timer);
  }

  #close(code: number, reason: string): void {
    if (this.#phase === "closed") return;
    this.#phase = "closed";
    this.#abort.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    clearInterval(this.#watchdog);
    if (this.#drainTimer) clearInterval(this.#drainTimer);
    const clipped = clipReason(reason);
    const safeCode = sendableCode(code) ? code : 1000;
    try {
      if (this.#browser.readyState <= OPEN) this.#browser.close(safeCode, clipped);
    } catch (error) {
      this.#log.warn("closing the browser socket failed", { error: String(error) });
    }
    const upstream = this.#upstream;
    if (upstream && upstream.readyState <= OPEN) {
      // Paused for a slow browser, it would never read the upstream's close reply (frames
      // still in flight are read and dropped: the session is closed).
      if (upstream.isPaused) upstream.resume();
      upstream.close(safeCode === 1008 || safeCode === 1011 ? 1000 : safeCode, clipped);
      // A peer that never answers the close handshake is cut after a second.
      const kill = setTimeout(() => upstream.terminate(), 1000);
      upstream.once("close", () => clearTimeout(kill));
    }
    this.#options.metrics.sessionsActive.dec();
    this.#queue = [];
    const recorder = this.#recorder;
    (recorder ? recorder.close() : Promise.resolve())
      .catch((error) => this.#log.error("recording failed", { error: String(error) }))
      .finally(() => {
        this.#log.info("relay session closed", {
          code: safeCode,
          inputBytes: recorder?.inputBytes,
          outputBytes: recorder?.outputBytes,
        });
        this.#resolveDone();
      });
  }
}

/** An upstream frame parsed: a JSON object with a string `type`. */
interface UpstreamEvent {
  type: string;
  [field: string]: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `text` parsed when it is a JSON event, else null (garbage, truncated JSON, a bare value). */
function upstreamEvent(text: string): UpstreamEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return isObject(value) && typeof value.type === "string" ? value as UpstreamEvent : null;
}

/**
 * The first field of a browser `session.update` that the relay does not let through, or null.
 * Only `session.type` and `session.audio.input.turn_detection` may be sent.
 */
export function disallowedSessionField(session: unknown): string | null {
  if (typeof session !== "object" || session === null) return "session";
  for (const [key, value] of Object.entries(session)) {
    if (key === "type") continue;
    if (key !== "audio" || typeof value !== "object" || value === null) return `session.${key}`;
    for (const [audioKey, audioValue] of Object.entries(value)) {
      if (audioKey !== "input" || typeof audioValue !== "object" || audioValue === null) {
        return `session.audio.${audioKey}`;
      }
      for (const inputKey of Object.keys(audioValue)) {
        if (inputKey !== "turn_detection") return `session.audio.input.${inputKey}`;
      }
    }
  }
  return null;
}
