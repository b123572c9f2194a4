/**
 * The local coach's voice: text → 24 kHz mono PCM16, synthesized by eSpeak NG compiled to
 * WebAssembly (npm `@echogarden/espeak-ng-emscripten`) in a Web Worker, so a synthesis never
 * blocks the server's event loop (the main thread only receives the finished, transferred
 * buffer).
 *
 * ```ts
 * using synth = new SpeechSynth();
 * const pcm = await synth.synthesize("About 150 words a minute — a comfortable pace.");
 * ```
 *
 * A server holds one `SpeechSynth` and calls `warm()` at boot: the worker takes about 0.4 s
 * to load the engine and its 24 MB of voice data, and creating it blocks the event loop for
 * ~40 ms once (`new Worker` waits for the worker's isolate); after that a synthesis costs the
 * main thread nothing but receiving the buffer. The worker answers one request at a time
 * (later ones wait in a bounded queue). A request that runs past `timeoutMs` stops the
 * worker, and the next request starts a fresh one; with `idleMs` set, an idle worker is
 * stopped and restarted on demand. `synthesize()` is the one-shot form for scripts and
 * benchmarks: it pays the start-up on every call.
 *
 * Permissions: the worker reads `espeak-ng.data` from the npm cache when it may (`-A`,
 * tests), else imports it as bytes, which needs `--unstable-raw-imports`; with neither, the
 * first request fails with an error that says so.
 *
 * @module
 */

import { WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";

/** How one text is spoken. */
export interface SpeakOptions {
  /**
   * eSpeak NG voice name.
   * @default {"en-us"}
   */
  voice?: string;
  /**
   * Speaking rate in words per minute (eSpeak: 80–450). 160 sits inside the band the coach
   * calls comfortable (120–170), so the coach models the pace it recommends.
   * @default {160}
   */
  rate?: number;
  /**
   * Base pitch, 0–99 (eSpeak's scale).
   * @default {50}
   */
  pitch?: number;
  /** Abandons the request: a queued one is dropped, a running one's result discarded. */
  signal?: AbortSignal;
}

/** How a `SpeechSynth` runs its worker. */
export interface SpeechSynthOptions {
  /**
   * Longest a request may run (the worker's start-up included) before the worker is stopped
   * and the request fails.
   * @default {15000}
   */
  timeoutMs?: number;
  /**
   * Stop the worker after this long without requests, to free its memory (~100 MB
   * resident). Off by default: starting a worker blocks the event loop for ~40 ms (`new
   * Worker` waits for the worker's V8 isolate), a stall a server should pay once, at boot
   * (`warm()`).
   * @default {Infinity}
   */
  idleMs?: number;
  /**
   * Most requests that may wait behind the running one.
   * @default {16}
   */
  maxQueue?: number;
  /**
   * Longest text accepted, in characters.
   * @default {2000}
   */
  maxChars?: number;
}

/** Output sample rate of every synthesis: the wire rate. */
export const SPEECH_SAMPLE_RATE = WIRE_SAMPLE_RATE;

/** A request to the worker. @internal */
export interface WorkerRequest {
  id: number;
  text: string;
  voice: string;
  rate: number;
  pitch: number;
}

/** A reply from the worker. @internal */
export type WorkerReply =
  | { type: "ready"; sampleRate: number }
  | { type: "failed"; message: string }
  | { type: "audio"; id: number; pcm: Int16Array }
  | { type: "error"; id: number; message: string; range: boolean };

interface Job {
  request: WorkerRequest;
  signal: AbortSignal | undefined;
  resolve(pcm: Int16Array): void;
  reject(error: Error): void;
  onAbort: () => void;
}

const DEFAULT_VOICE = "en-us";
const DEFAULT_RATE = 160;
const DEFAULT_PITCH = 50;
const MIN_RATE = 80;
const MAX_RATE = 450;

/**
 * Owns one speech worker and feeds it one request at a time.
 *
 * @example
 * ```ts
 * const synth = new SpeechSynth({ timeoutMs: 5000 });
 * try {
 *   const pcm = await synth.synthesize("Nice and steady.");
 * } finally {
 *   synth.close();
 * }
 * ```
 */
export class SpeechSynth {
  #timeoutMs: number;
  #idleMs: number;
  #maxQueue: number;
  #maxChars: number;
  #worker: Worker | null = null;
  #ready = false;
  #waiters: { resolve(): void; reject(error: Error): void }[] = [];
  #queue: Job[] = [];
  #running: Job | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 1;
  #closed = false;

  /** @throws {RangeError} If an option is not a positive integer (`idleMs` may be `Infinity`). */
  constructor(options: SpeechSynthOptions = {}) {
    this.#timeoutMs = positive("timeoutMs", options.timeoutMs ?? 15_000);
    const idleMs = options.idleMs ?? Infinity;
    this.#idleMs = idleMs === Infinity ? Infinity : positive("idleMs", idleMs);
    this.#maxQueue = positive("maxQueue", options.maxQueue ?? 16);
    this.#maxChars = positive("maxChars", options.maxChars ?? 2000);
  }

  /** Whether a worker is running (started and not yet stopped). */
  get running(): boolean {
    return this.#worker !== null;
  }

  /**
   * Start the worker now and wait until the engine is loaded (about 0.4 s, of which ~40 ms
   * block the event loop while the worker is created): call it at boot so that no request
   * pays for it. Resolves at once when the worker is ready.
   *
   * @throws {Error} (rejected) If the synth is closed or the engine could not start (for
   * instance, no access to its voice data).
   */
  warm(): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new Error("Cannot start speech synthesis: the synth is closed; create a new SpeechSynth"),
      );
    }
    if (this.#ready) return Promise.resolve();
    const ready = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#worker === null) this.#start();
    return ready;
  }

  /**
   * Speak `text`: 24 kHz mono PCM16 samples (`SPEECH_SAMPLE_RATE`).
   *
   * @throws {TypeError} If `text` is not a string.
   * @throws {RangeError} If `text` has nothing to say or is longer than `maxChars`, or an
   * option is out of range; also (rejected) if the voice is unknown.
   * @throws {Error} (rejected) If the synth is closed, the queue is full, the request timed
   * out, was aborted, or the engine could not start.
   */
  synthesize(text: string, options: SpeakOptions = {}): Promise<Int16Array> {
    const request = this.#request(text, options);
    if (this.#closed) {
      return Promise.reject(
        new Error("Cannot synthesize speech: the synth is closed; create a new SpeechSynth"),
      );
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.reject(
        new Error(
          `Cannot synthesize speech: ${this.#queue.length} requests are already waiting; ` +
            `retry when one has finished`,
        ),
      );
    }
    return new Promise<Int16Array>((resolve, reject) => {
      const job: Job = {
        request,
        signal,
        resolve,
        reject,
        onAbort: () => this.#abort(job),
      };
      signal?.addEventListener("abort", job.onAbort, { once: true });
      this.#queue.push(job);
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      this.#pump();
    });
  }

  /** Stops the worker and fails every pending request. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const error = new Error(
      "Cannot synthesize speech: the synth was closed; create a new SpeechSynth",
    );
    const jobs = this.#running === null ? this.#queue : [this.#running, ...this.#queue];
    this.#queue = [];
    this.#running = null;
    for (const job of jobs) this.#settle(job, error);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#stop();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #request(text: string, options: SpeakOptions): WorkerRequest {
    if (typeof text !== "string") {
      throw new TypeError(`Cannot synthesize speech: text is ${typeof text}, not a string`);
    }
    // Control characters would reach eSpeak as text; tabs and newlines read as spaces.
    const clean = text.replace(/\p{Cc}+/gu, " ").trim();
    if (!/[\p{L}\p{N}]/u.test(clean)) {
      throw new RangeError("Cannot synthesize speech: text has no words; pass some text to say");
    }
    if (clean.length > this.#maxChars) {
      throw new RangeError(
        `Cannot synthesize speech: text has ${clean.length} characters, more than ` +
          `${this.#maxChars}; split it or raise maxChars`,
      );
    }
    const voice = options.voice ?? DEFAULT_VOICE;
    if (typeof voice !== "string" || !/^[A-Za-z0-9_+-]{1,40}$/.test(voice)) {
      throw new RangeError(
        `Cannot synthesize speech: voice ${JSON.stringify(voice)} is not a voice name; use one ` +
          `such as "en-us"`,
      );
    }
    const rate = options.rate ?? DEFAULT_RATE;
    if (!Number.isFinite(rate) || rate < MIN_RATE || rate > MAX_RATE) {
      throw new RangeError(
        `Cannot synthesize speech: rate ${rate} is outside ${MIN_RATE}–${MAX_RATE} words a minute`,
      );
    }
    const pitch = options.pitch ?? DEFAULT_PITCH;
    if (!Number.isFinite(pitch) || pitch < 0 || pitch > 99) {
      throw new RangeError(`Cannot synthesize speech: pitch ${pitch} is outside 0–99`);
    }
    return { id: 0, text: clean, voice, rate: Math.round(rate), pitch: Math.round(pitch) };
  }

  /** Starts the next queued job when the worker is free. */
  #pump(): void {
    if (this.#closed || this.#running !== null) return;
    const job = this.#queue.shift();
    if (job === undefined) {
      // A timed-out or crashed worker is gone: `warm()` callers still wait for a new one.
      if (this.#worker === null && this.#waiters.length > 0) this.#start();
      this.#scheduleIdle();
      return;
    }
    this.#running = job;
    job.request.id = this.#nextId++;
    this.#timer = setTimeout(() => this.#timedOut(job), this.#timeoutMs);
    const worker = this.#worker ?? this.#start();
    if (this.#ready) worker.postMessage(job.request);
  }

  #start(): Worker {
    const worker = new Worker(new URL("./_speech_worker.ts", import.meta.url), { type: "module" });
    this.#worker = worker;
    this.#ready = false;
    worker.onmessage = (event: MessageEvent<WorkerReply>) => this.#reply(worker, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#crashed(
        worker,
        `Cannot synthesize speech: the worker failed (${event.message}); retry`,
      );
    };
    worker.onmessageerror = () =>
      this.#crashed(worker, "Cannot synthesize speech: the worker's reply was unreadable; retry");
    return worker;
  }

  #reply(worker: Worker, reply: WorkerReply): void {
    if (worker !== this.#worker) return;
    switch (reply.type) {
      case "ready":
        this.#ready = true;
        for (const waiter of this.#waiters.splice(0)) waiter.resolve();
        if (this.#running !== null) worker.postMessage(this.#running.request);
        else this.#scheduleIdle();
        return;
      case "failed":
        // The worker's message already names what to do ("Cannot load eSpeak NG's voice data…").
        this.#crashed(worker, reply.message);
        return;
      case "audio":
      case "error": {
        const job = this.#running;
        if (job === null || job.request.id !== reply.id) return;
        this.#finish();
        // An engine failure (not a bad voice) may leave eSpeak's state broken: start afresh.
        if (reply.type === "error" && !reply.range) this.#stop();
        if (reply.type === "audio") this.#settle(job, null, reply.pcm);
        else {this.#settle(
            job,
            reply.range ? new RangeError(reply.message) : new Error(reply.message),
          );}
        this.#pump();
        return;
      }
      default:
        throw new TypeError(
          `Unknown speech worker reply: ${JSON.stringify(reply satisfies never)}`,
        );
    }
  }

  /** The worker cannot go on: fail the running job, stop it; the queue gets a new worker. */
  #crashed(worker: Worker, message: string): void {
    if (worker !== this.#worker) return;
    const job = this.#running;
    this.#finish();
    this.#stop();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error(message));
    if (job !== null) {
      this.#settle(job, new Error(message));
    }
    this.#pump();
  }

  #timedOut(job: Job): void {
    if (this.#running !== job) return;
    this.#finish();
    this.#stop();
    this.#settle(
      job,
      new Error(
        `Cannot synthesize speech: no audio within ${this.#timeoutMs} ms; the worker was ` +
          `stopped; try a shorter text or raise timeoutMs`,
      ),
    );
    this.#pump();
  }

  #abort(job: Job): void {
    const at = this.#queue.indexOf(job);
    if (at >= 0) this.#queue.splice(at, 1);
    // A running job's synthesis finishes in the worker; its result is dropped in #settle.
    this.#settle(job, abortError(job.signal!));
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = null;
  }

  #settle(job: Job, error: Error | null, pcm?: Int16Array): void {
    job.signal?.removeEventListener("abort", job.onAbort);
    if (error !== null) job.reject(error);
    else job.resolve(pcm!);
    // A promise settles once: later calls (abort, then the audio) are no-ops.
    job.resolve = job.reject = () => {};
  }

  #scheduleIdle(): void {
    if (
      this.#worker === null || this.#idleTimer !== undefined || this.#idleMs === Infinity ||
      this.#running !== null || this.#queue.length > 0
    ) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#running === null && this.#queue.length === 0) this.#stop();
    }, this.#idleMs);
  }

  #stop(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = false;
  }
}

/**
 * Speak `text` once with a fresh `SpeechSynth` (0.4 s of start-up each call): for scripts
 * and benchmarks. A server keeps one `SpeechSynth` instead.
 *
 * @throws See `SpeechSynth.synthesize()`.
 */
export async function synthesize(
  text: string,
  options: SpeakOptions & SpeechSynthOptions = {},
): Promise<Int16Array> {
  using synth = new SpeechSynth(options);
  return await synth.synthesize(text, options);
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`Cannot create SpeechSynth: ${name} ${value} is not a positive integer`);
  }
  return value;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException("Cannot synthesize speech: the request was aborted", "AbortError");
}
