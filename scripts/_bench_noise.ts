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
 * Run alone: `deno run -A scripts/_bench_noise.ts [ms]` prints the figures as JSON.
 *
 * @module
 */
import { print } from "./_bench_tools.ts";

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

/** Spins one thread per core for `ms` and sums what they lost. */
export async function hostNoise(
  ms = 2000,
  threads = navigator.hardwareConcurrency,
): Promise<HostNoise> {
  const url = URL.createObjectURL(new Blob([SPINNER], { type: "application/javascript" }));
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

/** `before / after` of one field, for a report line. */
export function noiseLine(before: HostNoise, after: HostNoise): string {
  const pair = (key: keyof HostNoise, digits: number) =>
    `${before[key].toFixed(digits)} / ${after[key].toFixed(digits)}`;
  return `Host noise (one busy thread per core for ${before.ms / 1000} s, before / after the ` +
    `run): ${pair("lostPercent", 2)} % of their time lost to pauses, ` +
    `${pair("pausesOver1msPerSecond", 1)} pauses over 1 ms per thread and second, the longest ` +
    `${pair("longestMs", 1)} ms. This VM reports no steal time; a relayed round trip crosses ` +
    "four processes where a direct one crosses two, so such pauses widen its tail more.";
}

if (import.meta.main) {
  const noise = await hostNoise(Number(Deno.args[0] ?? 2000));
  print(JSON.stringify(noise));
}
