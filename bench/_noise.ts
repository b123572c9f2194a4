/**
 * How much running time this machine takes away from a thread, for the benchmarks' reports.
 *
 * One busy thread per core reads the clock in a tight loop; every gap between two reads
 * longer than 0.2 ms is time the thread did not run: other guests on the hypervisor,
 * interrupts, other processes. This VM reports no steal time in `/proc/stat` (the column stays
 * 0 while such pauses happen), so a loop like this is the way to see it. A relayed round trip
 * crosses four processes where a direct one crosses two, so a host that pauses threads often
 * widens the relay's tail more than the direct one's: the figure says how quiet the host was
 * around a run.
 *
 * While the phases stream, a cheaper probe runs instead ({@linkcode WakeupProbe}): one thread
 * that sleeps 1 ms at a time and notes how late it wakes, which is what every process on a
 * message's path meets at each hop (the host's pauses plus the wait for a free core).
 *
 * Run alone: `deno run -A bench/_noise.ts [ms]` prints the figures as JSON.
 *
 * @module
 */
import { print } from "./_report.ts";

/** What the busy threads lost, together. */
export interface HostNoise {
  /** Busy threads (one per core). */
  threads: number;
  /** How long each ran, in ms. */
  ms: number;
  /** % of the threads' time lost to pauses over 0.2 ms. */
  lostPercent: number;
  /** Pauses over 1 ms, per thread and second. */
  pausesOver1msPerSecond: number;
  /** The longest pause, in ms. */
  longestMs: number;
}

interface ThreadNoise {
  lostMs: number;
  over1ms: number;
  longestMs: number;
}

/** The worker: spins for the ms it is sent, then posts its {@linkcode ThreadNoise}. */
const SPINNER = `
self.onmessage = (e) => {
  const end = performance.now() + e.data;
  let last = performance.now();
  let lostMs = 0, over1ms = 0, longestMs = 0;
  for (;;) {
    const now = performance.now();
    const gap = now - last;
    if (gap > 0.2) {
      lostMs += gap;
      if (gap > 1) over1ms++;
      if (gap > longestMs) longestMs = gap;
    }
    last = now;
    if (now >= end) break;
  }
  self.postMessage({ lostMs, over1ms, longestMs });
};
`;

/** A module URL for a worker running `code` (revoke it once the workers are gone). */
function workerUrl(code: string): string {
  return URL.createObjectURL(new Blob([code], { type: "application/javascript" }));
}

/** Spins one thread per core for `ms` and sums what they lost. */
export async function hostNoise(
  ms = 2000,
  threads = navigator.hardwareConcurrency,
): Promise<HostNoise> {
  const url = workerUrl(SPINNER);
  try {
    const results = await Promise.all(
      Array.from({ length: threads }, () => {
        const worker = new Worker(url, { type: "module" });
        return new Promise<ThreadNoise>((resolve, reject) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => reject(new Error(`Cannot measure host noise: ${e.message}`));
          worker.postMessage(ms);
        }).finally(() => worker.terminate());
      }),
    );
    const lost = results.reduce((sum, r) => sum + r.lostMs, 0);
    const over1 = results.reduce((sum, r) => sum + r.over1ms, 0);
    return {
      threads,
      ms,
      lostPercent: (100 * lost) / (ms * threads),
      pausesOver1msPerSecond: over1 / threads / (ms / 1000),
      longestMs: Math.max(...results.map((r) => r.longestMs)),
    };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The report's line on host noise: each figure before and after the run, side by side. */
export function noiseLine(before: HostNoise, after: HostNoise): string {
  const pair = (key: keyof HostNoise, digits: number) =>
    `${before[key].toFixed(digits)} / ${after[key].toFixed(digits)}`;
  return `Host noise (one busy thread per core for ${before.ms / 1000} s, before / after the ` +
    `run): ${pair("lostPercent", 2)} % of their time lost to pauses, ` +
    `${pair("pausesOver1msPerSecond", 1)} pauses over 1 ms per thread and second, the longest ` +
    `${pair("longestMs", 1)} ms. This VM reports no steal time; a relayed round trip crosses ` +
    "four processes where a direct one crosses two, so such pauses widen its tail more.";
}

/** Lateness buckets of the wake-up probe: 50 µs wide, the last one open-ended (50 ms and up). */
const WAKE_BUCKET_US = 50;
const WAKE_BUCKETS = 1000;
/** Shared slots: stop flag, the window's latest wake-up (µs), then the buckets. */
const STOP = 0;
const MAX_US = 1;
const FIRST_BUCKET = 2;

const LAST_BUCKET = WAKE_BUCKETS - 1;

/** The probe's thread: sleeps 1 ms at a time and counts how late each wake-up came. */
const SLEEPER = `
self.onmessage = (e) => {
  const shared = new Int32Array(e.data);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  self.postMessage("ready");
  while (Atomics.load(shared, ${STOP}) === 0) {
    const start = performance.now();
    Atomics.wait(nap, 0, 0, 1);
    const lateUs = Math.max(0, Math.round((performance.now() - start - 1) * 1000));
    const bucket = Math.min(${LAST_BUCKET}, Math.floor(lateUs / ${WAKE_BUCKET_US}));
    Atomics.add(shared, ${FIRST_BUCKET} + bucket, 1);
    if (lateUs > Atomics.load(shared, ${MAX_US})) Atomics.store(shared, ${MAX_US}, lateUs);
  }
  self.postMessage("stopped");
};
`;

/** How late a sleeping thread woke during one window, in ms. */
export interface WakeupLateness {
  wakeups: number;
  p99Ms: number;
  maxMs: number;
}

/** A window's bucket counts and latest wake-up, mergeable over rounds. */
export interface WakeupWindow {
  counts: Int32Array;
  maxUs: number;
}

/**
 * A thread that sleeps 1 ms at a time and notes how late it wakes, at almost no CPU. While a
 * phase streams, its lateness is what any process waking up on this machine meets then: the
 * host's pauses plus the queue for a core. Read it in windows ({@linkcode WakeupProbe.window}).
 */
export class WakeupProbe {
  #worker: Worker;
  #shared: Int32Array;
  #url: string;

  private constructor(worker: Worker, shared: Int32Array, url: string) {
    this.#worker = worker;
    this.#shared = shared;
    this.#url = url;
  }

  static async start(): Promise<WakeupProbe> {
    const url = workerUrl(SLEEPER);
    const worker = new Worker(url, { type: "module" });
    const shared = new Int32Array(new SharedArrayBuffer(4 * (FIRST_BUCKET + WAKE_BUCKETS)));
    const ready = Promise.withResolvers<void>();
    worker.onmessage = () => ready.resolve();
    worker.onerror = (e) => ready.reject(new Error(`Cannot start the wake-up probe: ${e.message}`));
    worker.postMessage(shared.buffer);
    await ready.promise;
    return new WakeupProbe(worker, shared, url);
  }

  /** Opens a window now; the function returned closes it and gives what it saw. */
  window(): () => WakeupWindow {
    Atomics.store(this.#shared, MAX_US, 0);
    const before = this.#shared.slice(FIRST_BUCKET);
    return () => {
      const counts = this.#shared.slice(FIRST_BUCKET);
      for (let i = 0; i < counts.length; i++) counts[i] -= before[i];
      return { counts, maxUs: Atomics.load(this.#shared, MAX_US) };
    };
  }

  /** Stops the thread (waits at most a second for it to finish its nap). */
  async stop(): Promise<void> {
    const stopped = Promise.withResolvers<void>();
    this.#worker.onmessage = () => stopped.resolve();
    Atomics.store(this.#shared, STOP, 1);
    const timer = setTimeout(stopped.resolve, 1000);
    await stopped.promise;
    clearTimeout(timer);
    this.#worker.terminate();
    URL.revokeObjectURL(this.#url);
  }
}

/** The lateness over `windows` together (p99 to the bucket's upper edge). */
export function wakeupLateness(windows: readonly WakeupWindow[]): WakeupLateness {
  const counts = new Float64Array(WAKE_BUCKETS);
  let maxUs = 0;
  for (const w of windows) {
    for (let i = 0; i < WAKE_BUCKETS; i++) counts[i] += w.counts[i];
    maxUs = Math.max(maxUs, w.maxUs);
  }
  const wakeups = counts.reduce((sum, c) => sum + c, 0);
  let p99Us = 0;
  for (let i = 0, seen = 0; i < WAKE_BUCKETS && wakeups > 0; i++) {
    seen += counts[i];
    if (seen >= 0.99 * wakeups) {
      p99Us = (i + 1) * WAKE_BUCKET_US;
      break;
    }
  }
  return { wakeups, p99Ms: Math.min(p99Us, maxUs) / 1000, maxMs: maxUs / 1000 };
}

if (import.meta.main) {
  const noise = await hostNoise(Number(Deno.args[0] ?? 2000));
  print(JSON.stringify(noise));
}
