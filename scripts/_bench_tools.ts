/**
 * What the relay benchmarks share besides the client: peer subprocesses, CPU and memory read
 * from `/proc`, percentiles, the speech frames, and output.
 *
 * @module
 */
import { denoEnv, denoRunArgs, withServerV8Flags } from "../tests/server_process.ts";
import { speechFrames as pcmFrames } from "../tests/speech.ts";
import { encodeBase64 } from "@/lib/shared/base64.ts";

/** Resident set size of process `pid`, in bytes (from `/proc/<pid>/status`). */
export { rssOf as rssBytes } from "../tests/server_process.ts";

/** The project root (this file is in `scripts/`). */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** Linux reports CPU time in ticks of 1/100 s (USER_HZ) on every architecture Deno runs on. */
const TICKS_PER_SECOND = 100;

const encoder = new TextEncoder();

/** Writes `text` to stdout (the report). */
export function print(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
}

/** Writes `text` to stderr (progress, kept apart from the report). */
export function progress(text: string): void {
  Deno.stderr.writeSync(encoder.encode(`${text}\n`));
}

/** A subprocess running `_bench_peers.ts`. */
export interface Peer {
  pid: number;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Sends SIGTERM and waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * `deno run` flags of a peer: the relay server and the forwarder between the sessions and the
 * upstream run with the server's V8 flags (as `deno task start` does); the server also takes
 * `BENCH_SERVER_DENO_FLAGS`, for profiling (e.g. `--v8-flags=--prof` or
 * `--inspect=127.0.0.1:9239`).
 */
function peerFlags(mode: "upstream" | "server" | "forwarder"): string[] {
  if (mode === "upstream") return [];
  const extra = mode === "server" ? Deno.env.get("BENCH_SERVER_DENO_FLAGS") : undefined;
  return withServerV8Flags(extra ? extra.split(" ") : []);
}

/** Starts `_bench_peers.ts <mode> ...args` with `env` and waits for its `PORT` line. */
export async function startPeer(
  mode: "upstream" | "server" | "forwarder",
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<Peer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...denoRunArgs("scripts/_bench_peers.ts", peerFlags(mode)),
      mode,
      ...args,
    ],
    cwd: ROOT,
    // Only what Deno itself needs, so that no setting of this shell reaches the server.
    clearEnv: true,
    env: { ...denoEnv(), ...env },
    // Never written: the peer exits when it closes, so a crashed benchmark leaves no orphan.
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let port = 0;
  while (port === 0) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Cannot start the bench ${mode}: it exited before listening`);
    seen += value;
    const match = /PORT (\d+)\n/.exec(seen);
    if (match) port = Number(match[1]);
  }
  // Keep reading so that the child never blocks on a full pipe.
  (async () => {
    // The server's stdout (V8's `--trace-gc` lines, say) goes to this file when set.
    const log = mode === "server" ? Deno.env.get("BENCH_SERVER_STDOUT") : undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (log) Deno.writeTextFileSync(log, value, { append: true });
    }
  })().catch(() => {});
  return {
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const kill = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5000);
      await child.status;
      clearTimeout(kill);
    },
  };
}

/** CPU seconds (user + system, all threads) that process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Measures the CPU a process uses between `start()` and `stop()`, as % of one core. */
export class CpuMeter {
  #pid: number;
  #cpu = 0;
  #wall = 0;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    this.#cpu = cpuSeconds(this.#pid);
    this.#wall = performance.now();
  }

  /** % of one core since `start()` (200 % = both cores of this machine). */
  stop(): number {
    const cpu = cpuSeconds(this.#pid) - this.#cpu;
    const wall = (performance.now() - this.#wall) / 1000;
    return (cpu / wall) * 100;
  }
}

/**
 * CPU seconds the whole machine has spent running processes (user, nice, system) so far: the
 * time comparable with processes' utime + stime. Interrupt time (softirq: loopback networking,
 * much of it this benchmark's own) is left out, since no process is charged with it.
 */
export function machineBusySeconds(): number {
  const line = Deno.readTextFileSync("/proc/stat").split("\n", 1)[0];
  // cpu user nice system idle iowait irq softirq steal …
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  return (ticks[0] + ticks[1] + ticks[2]) / TICKS_PER_SECOND;
}

/** Measures the CPU all processes use between `start()` and `stop()`, as % of one core. */
export class MachineMeter {
  #busy = 0;
  #wall = 0;

  start(): void {
    this.#busy = machineBusySeconds();
    this.#wall = performance.now();
  }

  /** % of one core since `start()` (this machine has `navigator.hardwareConcurrency` cores). */
  stop(): number {
    const busy = machineBusySeconds() - this.#busy;
    return (busy / ((performance.now() - this.#wall) / 1000)) * 100;
  }
}

/** The value at percentile `p` (0–100, nearest rank) of `sorted` (ascending); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50, p95, p99 and max of `values` (sorted in place), in the values' unit. */
export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: Float64Array): Summary {
  values.sort();
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length ? values[values.length - 1] : NaN,
  };
}

/**
 * The 20 ms frames (960 bytes of PCM16) of the recorded speech fixture, base64, in order.
 * A trailing partial frame is dropped.
 */
export async function speechFrames(): Promise<string[]> {
  return (await pcmFrames()).map((frame) => encodeBase64(frame));
}

/** Asks the relay server at `baseUrl` for a ticket; returns the relay's WebSocket URL. */
export async function relayUrl(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/session`, { method: "POST" });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`Cannot get a relay ticket: POST /api/session answered ${res.status}`);
  }
  const { relay } = await res.json();
  return baseUrl.replace(/^http/, "ws") + relay;
}

/** Runs `task` over `items` with at most `limit` at a time; results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `n` with `digits` decimals, or "–" for NaN. */
export function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "–";
}

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Integer option `--name` (≥ `min`) from a `node:util` parseArgs value, or `fallback`. */
export function intOption(
  name: string,
  text: string | undefined,
  fallback: number,
  min = 1,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot read --${name}: ${JSON.stringify(text)} is not an integer >= ${min}`,
    );
  }
  return value;
}
