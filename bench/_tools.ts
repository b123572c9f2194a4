/**
 * What the relay benchmarks share besides the client, the `/proc` meters and the report:
 * the peer subprocesses, the speech frames, a concurrency limit, and the relay's recordings.
 *
 * @module
 */
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { WAV_HEADER_BYTES } from "@/lib/server/wav.ts";
import { speechFrames as pcmFrames } from "@/testing/fixtures.ts";
import { denoEnv, denoRunArgs, withServerV8Flags } from "@/testing/server_process.ts";

/** The project root (this file is in `bench/`). */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** A subprocess running `_peers.ts`. */
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

/** Starts `_peers.ts <mode> ...args` with `env` and waits for its `PORT` line. */
export async function startPeer(
  mode: "upstream" | "server" | "forwarder",
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<Peer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...denoRunArgs("bench/_peers.ts", peerFlags(mode)),
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

/**
 * The 20 ms frames (960 bytes of PCM16) of the recorded speech fixture, base64, in order.
 * A trailing partial frame is dropped.
 */
export async function speechFrames(): Promise<string[]> {
  return (await pcmFrames()).map((frame) => encodeBase64(frame));
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

/** Names of the `.input.wav` recordings (the audio forwarded upstream) in `dir`. */
export async function inputRecordings(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".input.wav")) names.add(entry.name);
  }
  return names;
}

/**
 * Audio bytes a recording holds: its header's data size, but no more than the file holds
 * after the header (0 while the header is not written yet). Reads only the header.
 */
export async function recordedBytes(path: string): Promise<number> {
  using file = await Deno.open(path);
  const header = new Uint8Array(WAV_HEADER_BYTES);
  let read = 0;
  while (read < header.length) {
    const n = await file.read(header.subarray(read));
    if (n === null) return 0;
    read += n;
  }
  const declared = new DataView(header.buffer).getUint32(40, true);
  const actual = (await file.stat()).size - WAV_HEADER_BYTES;
  return Math.min(declared, actual);
}
