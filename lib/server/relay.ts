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
import { decodeBase64, encodeBase64 } from "@/lib/shared/base64.ts";
import {
  type ErrorEvent,
  errorEvent,
  parseClientEvent,
  type ParseOptions,
} from "@/lib/shared/realtime/mod.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { Health } from "./health.ts";
import { type OpenRecordingFile, SessionRecorder } from "./recorder.ts";
import type { Redactor } from "./redact.ts";
import {
  base64AudioBytes,
  checkClientEvent,
  coachSessionUpdate,
  RELAY_ERROR,
  type SessionLimits,
  sessionLimits,
} from "./relay_policy.ts";
import {
  connectUpstream,
  UpstreamError,
  type UpstreamLink,
  type UpstreamTarget,
} from "./upstream.ts";

export { RELAY_ERROR } from "./relay_policy.ts";

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
  /** Masks configured secrets in what the upstream sends (error events, close reasons). */
  redactor: Redactor;
  /** Told when a recording fails (`/healthz` shows it degraded) and when one works again. */
  health: Health;
  /**
   * Opens the recording's files (tests pass files that fail).
   * @default Deno.open
   */
  openRecordingFile?: OpenRecordingFile;
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
  /** Set once the upstream is open and the recording ready (it delivers from then on). */
  #upstream: UpstreamLink | null = null;
  /** Settle when each socket has closed (its close event). */
  #browserClosed = Promise.withResolvers<void>();
  #upstreamClosed = Promise.withResolvers<void>();
  #options: RelayOptions;
  #log: Logger;
  #phase: Phase = "connecting";
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #recorder: SessionRecorder | null = null;
  /** The recording as it opens (null until `#start`, or when `RECORD_DIR` is unset). */
  #recording: Promise<SessionRecorder | null> | null = null;
  #recordingFailed = false;
  #abort = new AbortController();
  #resolveDone: () => void;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #pausedSince = 0;
  #drainTimer: ReturnType<typeof setInterval> | null = null;
  #watchdog: ReturnType<typeof setInterval>;
  #lastCongestionError = 0;
  /** How fast this session may send (audio and other events). */
  #limits: SessionLimits;
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
    this.#limits = sessionLimits(options.config);
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
    let upstream: UpstreamLink;
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

  /**
   * Opens the upstream leg, paused: what it sends waits (the first `session.created`
   * included) until {@linkcode #attachUpstream}, once the recording is ready too.
   */
  #connect(): Promise<UpstreamLink> {
    const { config, target } = this.#options;
    const emulatorLog = this.#log.with({ component: "emulator" });
    return connectUpstream(target, {
      message: (data) => this.#onUpstreamMessage(data),
      close: (code, reason) => {
        this.#upstreamClosed.resolve();
        this.#onUpstreamClose(code, reason);
      },
      error: (error) => this.#log.warn("upstream socket error", { error: error.message }),
    }, {
      timeoutMs: config.upstreamConnectTimeoutMs,
      signal: this.#abort.signal,
      paused: true,
      log: (msg, fields) => emulatorLog.debug(msg, fields),
    });
  }

  /** The upstream could not be opened: tell the browser in plain words, then close. */
  #failToOpen(error: unknown): void {
    // The details (addresses, causes) go to the log; the browser gets plain words.
    this.#log.error("upstream failed before opening", {
      error: error instanceof Error ? error.message : String(error),
      cause: error instanceof Error && error.cause ? String(error.cause) : undefined,
    });
    this.#sendError(
      errorEvent(RELAY_ERROR.unavailable, `${unreachableMessage(error)} Try again in a moment.`, {
        type: "server_error",
      }),
    );
    this.#close(1011, "upstream unavailable");
  }

  /**
   * Opens the session's recording when `RECORD_DIR` is set; null when off or failed. Never
   * rejects: a recording that cannot open or write is reported once, and the session goes on
   * unrecorded.
   */
  #openRecorder(): Promise<SessionRecorder | null> {
    const { config, health, openRecordingFile } = this.#options;
    if (!config.recordDir) return Promise.resolve(null);
    this.#recording ??= SessionRecorder.open(config.recordDir, this.id, {
      open: openRecordingFile,
      onError: (error) => this.#onRecordingFailed(error),
      onWritten: () => health.recordingRecovered(),
    }).catch((error) => {
      this.#onRecordingFailed(error);
      return null;
    });
    return this.#recording;
  }

  /** Logs (with the directory: the log is the server's), counts and marks health, once. */
  #onRecordingFailed(error: unknown): void {
    if (this.#recordingFailed) return;
    this.#recordingFailed = true;
    this.#log.error("recording failed; the session goes on unrecorded", {
      error: error instanceof Error ? error.message : String(error),
    });
    this.#options.metrics.recordingFailures.inc();
    this.#options.health.recordingFailed();
  }

  /** Closes a recording the session will not use (nothing was recorded) and removes its files. */
  async #discardRecorder(recorder: SessionRecorder | null): Promise<void> {
    await recorder?.discard();
  }

  /**
   * Closes the recording however the session ended, once it has opened; a session that never
   * reached the upstream recorded nothing, so its files are removed. Never rejects.
   */
  async #finishRecording(): Promise<SessionRecorder | null> {
    const recorder = await this.#recording;
    if (!recorder) return null;
    if (this.#upstream) await recorder.close();
    else await this.#discardRecorder(recorder);
    return recorder;
  }

  #attachUpstream(upstream: UpstreamLink): void {
    this.#upstream = upstream;
    upstream.resume();
  }

  // ---- upstream → browser -------------------------------------------------------------

  #onUpstreamMessage(data: string | Uint8Array): void {
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
    data = this.#withoutSecrets(data, event);
    this.#sendToBrowser(data);
    const { metrics } = this.#options;
    metrics.down.frames.inc();
    metrics.down.bytes.inc(data.length);
    metrics.down.latency.observe((performance.now() - receivedAt) / 1000);
    if (this.#lastBuffered > BROWSER_HIGH_WATER) this.#pauseUpstream();
  }

  /**
   * `text` with every configured secret masked. Events are scanned whole, except an audio
   * delta's `delta`: base64 audio, scanned field by field around it, since a full scan of
   * every 13 KB delta would cost three times the parse.
   */
  #withoutSecrets(text: string, event: UpstreamEvent): string {
    const { redactor } = this.#options;
    if (event.type !== "response.output_audio.delta") {
      return redactor.leaks(text) ? redactor.redact(text) : text;
    }
    for (const key in event) {
      if (key === "delta") continue;
      const value = event[key];
      const field = typeof value === "string" ? value : JSON.stringify(value) ?? "";
      if (redactor.leaks(field)) {
        const { delta, ...rest } = event;
        return JSON.stringify({ ...JSON.parse(redactor.redact(JSON.stringify(rest))), delta });
      }
    }
    return text;
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
    reason = this.#options.redactor.redact(reason);
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
      if (!this.#limits.admitAudio(bytes.length)) return this.#rateLimited("audio", null);
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
      const recording = this.#recorder !== null && !this.#recordingFailed;
      const parsed = parseClientEvent(text, recording ? DECODE_AUDIO : CHECK_AUDIO);
      if (!parsed.ok) {
        // Invalid events count against the event rate too: each one costs an error reply.
        if (!this.#limits.admitEvent()) return this.#rateLimited("event", null);
        this.#sendError(parsed.error);
        metrics.countError("relay", parsed.error.error.code);
        return;
      }
      const event = parsed.event;
      const refusal = checkClientEvent(event);
      if (refusal) {
        if (!this.#limits.admitEvent()) return this.#rateLimited("event", null);
        this.#reject(
          RELAY_ERROR.notAllowed,
          refusal.message,
          event.event_id ?? null,
          refusal.param,
        );
        return;
      }
      isAppend = event.type === "input_audio_buffer.append";
      if (isAppend) {
        audio = parsed.audioBytes;
        const bytes = audio?.length ?? base64AudioBytes((event as { audio: string }).audio);
        if (!this.#limits.admitAudio(bytes)) return this.#rateLimited("audio", null);
      } else {
        if (!this.#limits.admitEvent()) return this.#rateLimited("event", event.event_id ?? null);
        // Forward what was checked: with a key given twice, JSON.parse keeps the last one, and
        // a peer that kept the first would see a field the policy never saw.
        text = JSON.stringify(JSON.parse(text));
      }
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

  /**
   * A message over the session's rate: dropped and counted, and the browser told at most
   * once a second (`relay_rate_limited`).
   */
  #rateLimited(kind: "audio" | "event", eventId: string | null): void {
    const { metrics, config } = this.#options;
    metrics.rateLimited.inc({ kind });
    metrics.shed.inc({ direction: "browser_to_upstream", reason: "rate_limited" });
    if (!this.#limits.shouldReport()) return;
    const message = kind === "audio"
      ? `Audio dropped: send it in real time; the relay takes at most ${config.maxAudioSpeed} times real time beyond a few seconds of burst`
      : `Event dropped: the relay takes at most ${config.eventRate?.count} events per ${
        (config.eventRate?.windowMs ?? 1000) / 1000
      } s besides audio; send fewer`;
    this.#reject(RELAY_ERROR.rateLimited, message, eventId);
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
    // The link resumes a paused upstream to read its close reply (frames still in flight are
    // read and dropped: the session is closed) and cuts one that does not answer in a second.
    this.#upstream?.close(safeCode === 1008 || safeCode === 1011 ? 1000 : safeCode, clipped);
    this.#options.metrics.sessionsActive.dec();
    this.#queue = [];
    this.#finishRecording()
      .catch((error) => {
        this.#log.error("closing the recording failed", { error: String(error) });
        return null;
      })
      .then((recorder) => {
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

/** What the browser is told when the upstream could not be opened: no addresses, no causes. */
export function unreachableMessage(error: unknown): string {
  if (error instanceof UpstreamError && error.status !== null) {
    return `The voice service refused the session (HTTP ${error.status}).`;
  }
  if (error instanceof UpstreamError && /no answer within/.test(error.message)) {
    return "The voice service did not answer in time.";
  }
  return "The voice service could not be reached.";
}
