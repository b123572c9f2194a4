/**
 * One relay session: the browser's WebSocket on one side, the Realtime upstream on the other.
 *
 * 1. The browser socket is open (the route checked the ticket and Origin); its messages queue
 *    (bounded) until the upstream is ready.
 * 2. The upstream opens (timeout → an `error` event and close 1011) and sends `session.created`
 *    (forwarded); the relay sends the server's GA `session.update`, the queue drains in order.
 * 3. Either side closing closes the other with its code and reason (1000, 3000, 4000…).
 *    The upstream leg carries a conversation across sessions (`rollover.ts`).
 *
 * This module is the transport. What a browser message may become is `relay_admission.ts`'s
 * call (a refusal is one `error` event; the session goes on); appends are recorded
 * (`relay_recording.ts`) and, with an upstream model, measured per committed turn for a note to
 * the model (`delivery_hints.ts`); time and tokens are `relay_accounting.ts`'s (budget notices on the
 * watchdog tick, `relay.usage` after each `response.done`, close 4008 at the budget's end).
 * Upstream text frames that are JSON events go to the browser with secrets masked
 * (`upstream_event.ts`); anything else is dropped and counted (`relay_shed_total`).
 *
 * Memory stays bounded both ways: a slow browser pauses the upstream (TCP pushes back) and one
 * that stays stalled is closed; appends to a congested upstream are shed and counted. A browser
 * that vanished is found by Deno's idle ping, and, since that ping waits behind unread frames,
 * by the watchdog: a browser that took nothing for `BROWSER_STALL_MS` is closed (1008).
 *
 * @module
 */
import type { ErrorEvent } from "@/lib/shared/realtime/mod.ts";
import { clipReason, sendableCode } from "./close_frames.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { Health } from "./health.ts";
import type { OpenRecordingFile } from "./recorder.ts";
import type { Redactor } from "./redact.ts";
import {
  BUDGET_CLOSE_CODE,
  type SessionAccounting,
  usageOfResponseDone,
} from "./relay_accounting.ts";
import { admitBrowserMessage, type RateKind } from "./relay_admission.ts";
import {
  queueFull,
  rateLimited,
  sessionExpired,
  upstreamCongested,
  upstreamDisconnected,
  upstreamUnavailable,
} from "./relay_errors.ts";
import { coachSessionUpdate, type SessionLimits, sessionLimits } from "./relay_policy.ts";
import { RelayRecording } from "./relay_recording.ts";
import { DeliveryHints } from "./delivery_hints.ts";
import type { UpstreamLink, UpstreamTarget } from "./upstream.ts";
import { connectLeg, type LegConversation } from "./rollover.ts";
import {
  maskSecrets,
  parseUpstreamEvent,
  upstreamErrorFields,
  type UpstreamEvent,
} from "./upstream_event.ts";

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
  /** Who the session is for, from its ticket: `holder:<id>` or `addr:<address>`. */
  client: string;
  config: Readonly<Config>;
  target: UpstreamTarget;
  metrics: RelayMetrics;
  logger: Logger;
  /** Masks configured secrets in what the upstream sends (error events, close reasons). */
  redactor: Redactor;
  /** Told when a recording fails (`/healthz` shows it degraded) and when one works again. */
  health: Health;
  /** Opens the recording's files (tests pass files that fail). @default Deno.open */
  openRecordingFile?: OpenRecordingFile;
  /** The session's budget and token usage (none without a store). @default {null} */
  accounting?: SessionAccounting | null;
  /** The conversation it goes on (`rollover.ts`); else one upstream session. @default {null} */
  conversation?: LegConversation | null;
}

/** `WebSocket.readyState` values (the same for the WHATWG and `ws` sockets). */
const OPEN = 1;

type Phase = "connecting" | "open" | "closed";

type Queued = { data: string | ArrayBuffer; receivedAt: number };

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
  #recording: RelayRecording;
  /** Measures each committed turn for the model (`delivery_hints.ts`); null when off or local. */
  #hints: DeliveryHints | null = null;
  #abort = new AbortController();
  #resolveDone: () => void;
  /** Ends the session at `MAX_SESSION_SECONDS`. */
  #expiry: ReturnType<typeof setTimeout>;
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

  //#region Opening: the upstream, the coach's session
  constructor(browser: globalThis.WebSocket, options: RelayOptions) {
    this.id = options.sessionId;
    this.#browser = browser;
    this.#options = options;
    this.#log = options.logger.with({ session: options.sessionId });
    this.#limits = sessionLimits(options.config);
    this.#recording = new RelayRecording({
      dir: options.config.recordDir,
      sessionId: options.sessionId,
      log: this.#log,
      metrics: options.metrics,
      health: options.health,
      openFile: options.openRecordingFile,
    });
    if (options.config.deliveryHints && options.target.kind !== "local") {
      this.#hints = new DeliveryHints({
        send: (text) => this.#phase !== "closed" && this.#upstream?.send(text),
        log: this.#log,
      });
    }
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
    this.#expiry = setTimeout(() => this.#expire(), options.config.maxSessionSeconds * 1000);
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
    // All at once; a recording that cannot open never fails the session.
    this.#recording.open();
    const budgetRead = this.#options.accounting?.start();
    let upstream: UpstreamLink;
    try {
      upstream = await this.#connect();
    } catch (error) {
      await this.#recording.discard();
      if (this.#phase !== "closed") this.#failToOpen(error);
      return;
    }
    await Promise.all([this.#recording.ready(), budgetRead]);
    if (this.#options.accounting?.secondsLeft(Date.now()) === 0) this.#checkBudget();
    if (this.#phase === "closed") {
      upstream.terminate();
      await this.#recording.discard();
      return;
    }
    // From here on the upstream delivers, the first `session.created` included.
    this.#upstream = upstream;
    upstream.resume();
  }

  /** Opens the upstream leg paused: it delivers once `#start` resumes it (recording ready). */
  #connect(): Promise<UpstreamLink> {
    const { config, target } = this.#options;
    return connectLeg(target, {
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
      conversation: this.#options.conversation ?? null,
      logger: this.#log,
      announce: (text) => this.#browser.readyState === OPEN && this.#sendToBrowser(text),
      metrics: this.#options.metrics,
    });
  }

  /** The upstream could not be opened: tell the browser in plain words, then close. */
  #failToOpen(error: unknown): void {
    this.#log.error("upstream failed before opening", {
      error: error instanceof Error ? error.message : String(error),
      cause: error instanceof Error && error.cause ? String(error.cause) : undefined,
    });
    this.#sendError(upstreamUnavailable(error));
    this.#close(1011, "upstream unavailable");
  }

  // ---- upstream → browser -------------------------------------------------------------

  //#endregion

  //#region Upstream → browser: parse, mask, pace a slow browser
  #onUpstreamMessage(data: string | Uint8Array): void {
    if (this.#phase === "closed") return;
    const receivedAt = performance.now();
    if (typeof data !== "string") {
      this.#dropUpstream("binary", data.length);
      return;
    }
    // One parse per frame (cheap even for large deltas): the browser only gets events.
    const event = parseUpstreamEvent(data);
    if (event === null) {
      this.#dropUpstream("malformed", data.length);
      return;
    }
    const shown = this.#hints ? this.#hints.observe(event, data) : data;
    if (shown === null) return;
    if (event.type === "session.created" && !this.#sessionConfigured) this.#configureSession();
    else if (event.type === "response.output_audio.delta") this.#recording.output(event.delta);
    else if (event.type === "error") this.#countUpstreamError(event);
    const usage = event.type === "response.done"
      ? this.#options.accounting?.onResponseDone(usageOfResponseDone(event))
      : undefined;
    if (this.#browser.readyState !== OPEN) return;
    data = maskSecrets(this.#options.redactor, shown, event);
    this.#sendToBrowser(data);
    const { metrics } = this.#options;
    metrics.down.frames.inc();
    metrics.down.bytes.inc(data.length);
    metrics.down.latency.observe((performance.now() - receivedAt) / 1000);
    if (usage) this.#sendToBrowser(usage);
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
    this.#checkBudget();
    const buffered = this.#browser.bufferedAmount;
    this.#noteDelivery(buffered);
    this.#lastBuffered = buffered;
    const stalledMs = performance.now() - this.#lastDelivery;
    if (stalledMs <= this.#options.config.browserStallMs) return;
    this.#log.warn("browser took nothing; closing", { buffered, stalledMs: Math.round(stalledMs) });
    this.#close(1008, "client too slow: audio could not be delivered");
  }

  /** Acts on the session's budget: the warning once, or the end (`relay_budget_exhausted`). */
  #checkBudget(): void {
    const due = this.#options.accounting?.tick(Date.now());
    if (due?.type === "warn" && this.#browser.readyState === OPEN) this.#sendToBrowser(due.text);
    if (due?.type !== "exhausted") return;
    this.#refuse(due.error);
    this.#close(BUDGET_CLOSE_CODE, due.reason);
  }

  /** On `session.created`, configure the session, then release the browser's queue. */
  #configureSession(): void {
    this.#sessionConfigured = true;
    this.#upstream!.send(coachSessionUpdate(this.#options.config));
    this.#phase = "open";
    // Flush after this event has been forwarded (the caller sends it next).
    queueMicrotask(() => this.#drainQueue());
  }

  #countUpstreamError(event: UpstreamEvent): void {
    const { code, param } = upstreamErrorFields(event);
    this.#options.metrics.countError("upstream", code);
    this.#log.info("upstream error event", { code: String(code ?? "null"), param: param ?? null });
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
    const sendable = sendableCode(code);
    if (!sendable) this.#sendError(upstreamDisconnected(code));
    this.#close(sendable ? code : 1011, sendable ? reason : "upstream disconnected");
  }

  // ---- browser → upstream -------------------------------------------------------------

  //#endregion

  //#region Browser → upstream: admit, queue, forward, refuse
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
      this.#refuse(queueFull(this.#queue.length));
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
    const admission = admitBrowserMessage(item.data, {
      maxEventBytes: config.maxEventBytes,
      limits: this.#limits,
      decodeAudio: this.#recording.wantsInput || this.#hints !== null,
    });
    if (admission.type === "refuse") {
      this.#refuse(admission.error);
      return;
    }
    if (admission.type === "rate_limited") {
      this.#rateLimited(admission.kind, admission.eventId);
      return;
    }
    const upstream = this.#upstream!;
    if (admission.append && upstream.bufferedAmount > UPSTREAM_HIGH_WATER) {
      metrics.shed.inc({ direction: "browser_to_upstream", reason: "congested" });
      const now = performance.now();
      if (now - this.#lastCongestionError > 1000) {
        this.#lastCongestionError = now;
        this.#refuse(upstreamCongested());
      }
      return;
    }
    upstream.send(admission.text);
    this.#hints?.forwarded(admission.text, admission.audio);
    if (admission.audio) this.#recording.input(admission.audio);
    metrics.up.frames.inc();
    metrics.up.bytes.inc(admission.text.length);
    metrics.up.latency.observe((performance.now() - item.receivedAt) / 1000);
  }

  /** Over the session's rate: dropped, counted, the browser told once a second at most. */
  #rateLimited(kind: RateKind, eventId: string | null): void {
    const { metrics, config } = this.#options;
    metrics.rateLimited.inc({ kind });
    metrics.shed.inc({ direction: "browser_to_upstream", reason: "rate_limited" });
    if (this.#limits.shouldReport()) this.#refuse(rateLimited(kind, eventId, config));
  }

  /** Tells the browser why its message went nowhere, counted under the error's code. */
  #refuse(error: ErrorEvent): void {
    this.#options.metrics.countError("relay", error.error.code);
    this.#sendError(error);
  }

  #sendError(event: ErrorEvent): void {
    if (this.#browser.readyState === OPEN) this.#sendToBrowser(JSON.stringify(event));
  }

  //#endregion

  //#region Closing both legs together
  #onBrowserClose(code: number, reason: string): void {
    if (this.#phase === "closed") return;
    this.#log.info("browser closed", { code, reason });
    this.#close(code === 1001 ? 1001 : 1000, reason);
  }

  #expire(): void {
    this.#log.info("session reached its maximum duration");
    const { error, reason } = sessionExpired(this.#options.config.maxSessionSeconds);
    this.#sendError(error);
    this.#close(1001, reason);
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
    clearTimeout(this.#expiry);
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
    const accounted = this.#options.accounting?.close();
    this.#recording.finish(this.#upstream !== null)
      .catch((error) => {
        this.#log.error("closing the recording failed", { error: String(error) });
        return null;
      })
      .then(async (recorder) => {
        await accounted;
        this.#log.info("relay session closed", {
          code: safeCode,
          inputBytes: recorder?.inputBytes,
          outputBytes: recorder?.outputBytes,
        });
        this.#resolveDone();
      });
  }
  //#endregion
}
