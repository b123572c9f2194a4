/**
 * The load generator's sessions: npm `ws` clients (TCP_NODELAY) that stream 20 ms appends on
 * a shared, staggered schedule and time the fake upstream's echoes.
 *
 * Kept lean, since one process drives every session on a 2-core machine: messages are built
 * by concatenating a per-session prefix, the sequence number and a pre-encoded frame; an
 * echo's sequence number is read from the end of its bytes (no JSON.parse, no string), and
 * other messages are only checked for an `error` type.
 *
 * Append event_ids are `<tag>_<seq>`: the fake upstream echoes them and counts appends per tag.
 *
 * @module
 */
import WebSocket from "ws";

/** The credentials a GA upstream asks of a client that connects to it directly. */
export const BENCH_AUTH: Readonly<Record<string, string>> = { Authorization: "Bearer sk-bench" };

/** Which event means a session is ready to stream. */
export type ReadyOn = "session.created" | "session.updated";

const ECHO_PREFIX = new TextEncoder().encode('{"type":"bench.echo"');
const ERROR_PREFIX = new TextEncoder().encode('{"type":"error"');
const UNDERSCORE = 95;
const ZERO = 48;
/** Keep at most this many error messages, for the report. */
const MAX_ERROR_SAMPLES = 5;

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** The rest of an append after its event_id, per frame: `","audio":"<base64>"}`. */
export function appendSuffixes(framesBase64: readonly string[]): string[] {
  return framesBase64.map((audio) => `","audio":"${audio}"}`);
}

/** Round-trip times, in ms, of every session (one shared buffer). */
export class RttSink {
  #values: Float64Array;
  #length = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  add(ms: number): void {
    if (this.#length < this.#values.length) this.#values[this.#length++] = ms;
  }

  /** A copy of the recorded values. */
  taken(): Float64Array {
    return this.#values.slice(0, this.#length);
  }
}

/** Errors seen by any session, shared for the report. */
export const errorSamples: string[] = [];

/** Closes other than this side's 1000, as "tag: code reason" (shared for the report). */
export const closeSamples: string[] = [];

/** Sessions that failed to become ready and were retried, with why (shared for the report). */
export const handshakeFailures: string[] = [];

/**
 * The report's lines on what went wrong in any session so far: the first errors, sessions
 * never ready, unexpected closes (none when all went well).
 */
export function problemLines(): string[] {
  const lines: string[] = [];
  const section = (title: string, items: readonly string[]) => {
    if (items.length > 0) lines.push("", title, ...items.map((item) => `- ${item}`));
  };
  section("First errors:", errorSamples);
  section("Sessions never ready:", handshakeFailures.slice(0, 5));
  section("Unexpected closes:", closeSamples);
  return lines;
}

export class BenchSession {
  readonly tag: string;
  readonly socket: WebSocket;
  /** Appends sent. */
  sent = 0;
  /** Echoes received for measured appends, over every plan so far. */
  echoedMeasured = 0;
  /** `error` events received. */
  errors = 0;
  /** Other messages received after the handshake. */
  other = 0;
  /** Socket errors (connection level). */
  socketErrors = 0;
  /** Close code, once closed. */
  closeCode: number | null = null;
  /** Whether this side started the close. */
  closedByUs = false;
  readonly closed: Promise<void>;

  #prefix: string;
  #offset: number;
  /** Send times of the current plan's appends, by their index in the plan. */
  #sendTimes = new Float64Array(0);
  /** `sent` when the current plan began: its first append's sequence number. */
  #planStart = 0;
  #measureFrom = 0;
  #sentMeasured = 0;
  #rtts: RttSink | null = null;
  /** Given up on before it was ready (its close is not an error of its own). */
  #abandoned = false;
  #handshake: { readyOn: ReadyOn; resolve: () => void; reject: (e: Error) => void } | null;

  private constructor(
    url: string,
    tag: string,
    offset: number,
    readyOn: ReadyOn,
    ready: PromiseWithResolvers<void>,
  ) {
    this.tag = tag;
    this.#offset = offset;
    this.#prefix = `{"type":"input_audio_buffer.append","event_id":"${tag}_`;
    this.#handshake = { readyOn, resolve: ready.resolve, reject: ready.reject };
    // A key, as a server-side GA client sends one (the relay ignores it).
    this.socket = new WebSocket(url, { perMessageDeflate: false, headers: BENCH_AUTH });
    const closed = Promise.withResolvers<void>();
    this.closed = closed.promise;
    this.socket.on("message", (data: Uint8Array) => this.#onMessage(data));
    this.socket.on("error", (error: Error) => {
      this.socketErrors++;
      this.#fail(new Error(`Cannot open ${tag}: ${error.message}`));
    });
    this.socket.on("unexpected-response", (_req, res) => {
      this.#fail(new Error(`Cannot open ${tag}: HTTP ${res.statusCode}`));
      this.socket.terminate();
    });
    this.socket.on("close", (code: number, reason: Uint8Array) => {
      this.closeCode = code;
      if (this.badClose && closeSamples.length < MAX_ERROR_SAMPLES * 4) {
        closeSamples.push(`${tag}: ${code} ${new TextDecoder().decode(reason)}`.trim());
      }
      this.#fail(new Error(`Cannot open ${tag}: closed with ${code} before it was ready`));
      closed.resolve();
    });
  }

  /**
   * Opens a session at `url` and resolves once `readyOn` arrived. `offset` is the speech
   * frame it starts streaming from.
   */
  static async open(
    url: string,
    tag: string,
    offset: number,
    readyOn: ReadyOn,
    timeoutMs = 15_000,
  ): Promise<BenchSession> {
    const ready = Promise.withResolvers<void>();
    const session = new BenchSession(url, tag, offset, readyOn, ready);
    const timer = setTimeout(
      () => ready.reject(new Error(`Cannot open ${tag}: no ${readyOn} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await ready.promise;
    } catch (error) {
      session.#abandoned = true;
      session.socket.terminate();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return session;
  }

  /**
   * Prepares to send `frames` more appends; echoes of the plan's appends from the
   * `measureFrom`-th on go to `rtts`. A session may stream several plans in turn (drain the
   * echoes of one before the next: a late echo of an earlier plan is not counted).
   */
  plan(frames: number, measureFrom: number, rtts: RttSink | null): void {
    this.#planStart = this.sent;
    this.#sendTimes = new Float64Array(frames);
    this.#measureFrom = measureFrom;
    this.#rtts = rtts;
  }

  /** Sends the next append, with audio from `suffixes` (see {@linkcode appendSuffixes}). */
  sendNext(suffixes: readonly string[]): void {
    const seq = this.sent++;
    const message = this.#prefix + seq + suffixes[(seq + this.#offset) % suffixes.length];
    const index = seq - this.#planStart;
    this.#sendTimes[index] = performance.now();
    if (index >= this.#measureFrom) this.#sentMeasured++;
    this.socket.send(message);
  }

  /** Measured appends sent, over every plan so far. */
  get sentMeasured(): number {
    return this.#sentMeasured;
  }

  #onMessage(data: Uint8Array): void {
    if (this.#handshake) {
      this.#onHandshakeMessage(data);
      return;
    }
    if (startsWith(data, ECHO_PREFIX)) {
      const now = performance.now();
      // `…"echo":"<tag>_<seq>"}`: read the digits backwards from before `"}`.
      let seq = 0;
      let scale = 1;
      for (let i = data.length - 3; i >= 0 && data[i] !== UNDERSCORE; i--) {
        seq += (data[i] - ZERO) * scale;
        scale *= 10;
      }
      const index = seq - this.#planStart;
      if (index >= this.#measureFrom && seq < this.sent) {
        this.echoedMeasured++;
        this.#rtts?.add(now - this.#sendTimes[index]);
      }
      return;
    }
    if (startsWith(data, ERROR_PREFIX)) {
      this.errors++;
      if (errorSamples.length < MAX_ERROR_SAMPLES) {
        errorSamples.push(new TextDecoder().decode(data).slice(0, 300));
      }
      return;
    }
    this.other++;
  }

  #onHandshakeMessage(data: Uint8Array): void {
    const handshake = this.#handshake!;
    const event = JSON.parse(new TextDecoder().decode(data));
    if (event.type === "error") {
      this.errors++;
      if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(JSON.stringify(event));
    }
    if (event.type === handshake.readyOn) {
      this.#handshake = null;
      handshake.resolve();
    }
  }

  #fail(error: Error): void {
    const handshake = this.#handshake;
    if (!handshake) return;
    this.#handshake = null;
    handshake.reject(error);
  }

  /** Closes with 1000 and waits for the close (terminates after `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closeCode === null) {
      this.closedByUs = true;
      this.socket.close(1000, "bench done");
    }
    const timer = setTimeout(() => this.socket.terminate(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }

  /** Whether the session closed in a way other than this side's normal close. */
  get badClose(): boolean {
    return !this.#abandoned && this.closeCode !== null &&
      (this.closeCode !== 1000 || !this.closedByUs);
  }
}

/**
 * Opens a session like {@linkcode BenchSession.open}, trying again (with a fresh URL from
 * `url()`, since tickets are single-use) when one does not become ready; each failure is
 * recorded in {@linkcode handshakeFailures}. Throws after `attempts` failures.
 */
export async function openSession(
  url: () => Promise<string> | string,
  tag: string,
  offset: number,
  readyOn: ReadyOn,
  attempts = 3,
  timeoutMs = 5000,
): Promise<BenchSession> {
  for (let attempt = 1;; attempt++) {
    try {
      return await BenchSession.open(await url(), tag, offset, readyOn, timeoutMs);
    } catch (error) {
      handshakeFailures.push((error as Error).message);
      if (attempt >= attempts) throw error;
    }
  }
}

export interface StreamOptions {
  /** Appends per session. */
  frames: number;
  /** Appends per session before the measurement window opens. */
  warmupFrames: number;
  /** Pre-encoded audio (see {@linkcode appendSuffixes}). */
  suffixes: readonly string[];
  rtts: RttSink | null;
  /** Called when the first measured append is due. */
  onWindowStart?: () => void;
  /** Called once the last append has been sent. */
  onWindowEnd?: () => void;
  /** Period of each session's appends, in ms (default 20). */
  periodMs?: number;
}

/**
 * Streams `frames` appends from every session, each every `periodMs`, with the sessions'
 * sends spread evenly across the period (session i sends at i/N of it). One timer drives
 * them all on an absolute schedule, so a late tick catches up instead of drifting.
 */
export function stream(sessions: readonly BenchSession[], options: StreamOptions): Promise<void> {
  const n = sessions.length;
  const period = options.periodMs ?? 20;
  const total = n * options.frames;
  const windowAt = n * options.warmupFrames;
  for (const session of sessions) session.plan(options.frames, options.warmupFrames, options.rtts);
  const done = Promise.withResolvers<void>();
  if (total === 0) {
    options.onWindowStart?.();
    options.onWindowEnd?.();
    done.resolve();
    return done.promise;
  }
  const start = performance.now();
  const step = period / n;
  let k = 0;
  function tick(): void {
    const now = performance.now();
    while (k < total && start + k * step <= now) {
      if (k === windowAt) options.onWindowStart?.();
      const session = sessions[k % n];
      if (session.closeCode === null) session.sendNext(options.suffixes);
      k++;
    }
    if (k === total) {
      clearInterval(timer);
      options.onWindowEnd?.();
      done.resolve();
    }
  }
  const timer = setInterval(tick, 1);
  tick();
  return done.promise;
}

/** Waits until every session has its measured echoes back, or `timeoutMs`. */
export async function drainEchoes(
  sessions: readonly BenchSession[],
  timeoutMs: number,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (sessions.every((s) => s.closeCode !== null || s.echoedMeasured >= s.sentMeasured)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
