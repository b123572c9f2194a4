/**
 * The embedded emulator as an upstream, in this process: an {@linkcode UpstreamLink} joined
 * to an {@linkcode EmulatedSession} through its `SessionTransport`, with no socket and no key.
 *
 * It behaves like a WebSocket, so the relay cannot tell the difference:
 * - delivery is asynchronous both ways (a microtask later), so neither side is re-entered: the
 *   relay sends `session.update` while handling `session.created` and forwards that event to
 *   the browser before `session.updated` arrives;
 * - messages keep their order, and a close comes after every message sent before it;
 * - `pause()` holds the emulator's messages, in order, until `resume()`;
 * - a close by the relay is answered with the same code and reason once the emulator has
 *   handled what was sent before it; a close by the emulator (expiry 1001, `session.close`
 *   1000) reaches the relay with the emulator's code and reason.
 *
 * Memory: the relay's own queue and rate limits bound what goes in; the session bounds what it
 * keeps (`session.ts`); what the link holds while paused is at most one response in flight.
 *
 * @module
 */
import { EmulatedSession } from "./emulator/session.ts";
import { VoiceActivityDetector } from "./emulator/vad.ts";
import type { LocalTarget, UpstreamHandlers, UpstreamLink } from "./upstream.ts";

/** Options of {@linkcode connectEmulator}. */
export interface EmulatorLinkOptions {
  /**
   * Open paused: nothing reaches the handlers until `resume()`.
   * @default {false}
   */
  paused?: boolean;
  /** The emulator's debug log. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /**
   * Assistant audio is streamed this many times faster than real time.
   * @default {2}
   */
  speedup?: number;
}

/** The close code a cut link reports, as a socket does. */
const ABNORMAL_CLOSURE = 1006;

interface Close {
  code: number;
  reason: string;
}

/**
 * Starts an emulated session and returns the open link to it; the session's `session.created`
 * is the first message the handlers get.
 */
export function connectEmulator(
  target: LocalTarget,
  handlers: UpstreamHandlers,
  options: EmulatorLinkOptions = {},
): UpstreamLink {
  return new EmulatorLink(target, handlers, options);
}

class EmulatorLink implements UpstreamLink {
  #handlers: UpstreamHandlers;
  #session: EmulatedSession;
  /** Relay → emulator, not yet handled, and their size. */
  #inbound: string[] = [];
  #inboundBytes = 0;
  /** The relay's close, handled after `#inbound`. */
  #closeRequest: Close | null = null;
  /** Emulator → relay, not yet delivered; a close is always last. */
  #outbound: (string | Close)[] = [];
  #paused: boolean;
  /** False once either side began to close. */
  #open = true;
  /** True once `close` was delivered. */
  #closed = false;
  #inboundScheduled = false;
  #outboundScheduled = false;

  constructor(target: LocalTarget, handlers: UpstreamHandlers, options: EmulatorLinkOptions) {
    this.#handlers = handlers;
    this.#paused = options.paused ?? false;
    this.#session = new EmulatedSession({
      send: (text) => this.#fromEmulator(text),
      close: (code, reason) => this.#emulatorClosed({ code, reason }),
    }, {
      model: target.model,
      sessionSeconds: target.sessionSeconds,
      ...(target.coach !== undefined ? { coach: target.coach } : {}),
      ...(options.speedup !== undefined ? { speedup: options.speedup } : {}),
      ...(options.log ? { log: options.log } : {}),
      createVad: (vadOptions) => VoiceActivityDetector.create(vadOptions),
    });
    options.log?.("emulator session started", {
      session_id: this.#session.session.id,
      model: target.model,
      transport: "in-process",
    });
    this.#session.start();
  }

  get bufferedAmount(): number {
    return this.#inboundBytes;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  send(text: string): void {
    if (!this.#open) return;
    this.#inbound.push(text);
    this.#inboundBytes += text.length;
    if (this.#inboundScheduled) return;
    this.#inboundScheduled = true;
    queueMicrotask(() => this.#flushInbound());
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#scheduleOutbound();
  }

  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#closeRequest = { code, reason };
    // As a socket does: the answer must be readable.
    this.resume();
    if (this.#inboundScheduled) return;
    this.#inboundScheduled = true;
    queueMicrotask(() => this.#flushInbound());
  }

  terminate(): void {
    if (this.#closed) return;
    this.#open = false;
    this.#inbound = [];
    this.#inboundBytes = 0;
    this.#closeRequest = null;
    this.#session.dispose();
    const close = this.#outbound.at(-1);
    this.#outbound = [
      typeof close === "object" ? close : { code: ABNORMAL_CLOSURE, reason: "" },
    ];
    this.resume();
  }

  /** Hands what the relay sent to the emulator, then its close if it asked for one. */
  #flushInbound(): void {
    this.#inboundScheduled = false;
    const inbound = this.#inbound;
    this.#inbound = [];
    this.#inboundBytes = 0;
    for (const text of inbound) this.#session.receive(text);
    const request = this.#closeRequest;
    if (request === null) return;
    this.#closeRequest = null;
    if (this.#session.closed) return; // the emulator closed first; its close is on its way
    this.#session.dispose();
    this.#emulatorClosed(request);
  }

  #fromEmulator(text: string): void {
    if (this.#outbound.length > 0 && typeof this.#outbound.at(-1) === "object") return;
    this.#outbound.push(text);
    this.#scheduleOutbound();
  }

  #emulatorClosed(close: Close): void {
    if (this.#outbound.length > 0 && typeof this.#outbound.at(-1) === "object") return;
    if (this.#closed) return;
    this.#open = false;
    this.#inbound = [];
    this.#inboundBytes = 0;
    this.#outbound.push(close);
    this.#scheduleOutbound();
  }

  #scheduleOutbound(): void {
    if (this.#outboundScheduled || this.#paused || this.#outbound.length === 0) return;
    this.#outboundScheduled = true;
    queueMicrotask(() => this.#flushOutbound());
  }

  /** Delivers the emulator's messages in order until paused or done. */
  #flushOutbound(): void {
    this.#outboundScheduled = false;
    let index = 0;
    const outbound = this.#outbound;
    while (
      index < outbound.length && !this.#paused && !this.#closed && this.#outbound === outbound
    ) {
      const item = outbound[index++];
      if (typeof item === "string") {
        this.#deliver(() => this.#handlers.message(item));
      } else {
        this.#closed = true;
        this.#deliver(() => this.#handlers.close(item.code, item.reason));
      }
    }
    // A handler may have paused, or terminated (which replaced the queue).
    if (this.#outbound === outbound) outbound.splice(0, index);
    if (this.#closed) this.#outbound = [];
  }

  #deliver(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      try {
        this.#handlers.error?.(failure);
      } catch {
        // An error handler that throws has nowhere left to report to.
      }
    }
  }
}
