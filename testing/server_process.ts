/**
 * Runs the production entry point (`main.ts`) as a subprocess on 127.0.0.1 and a free port,
 * for tests that need its signals, its exit status or its own memory (`/proc/<pid>`).
 *
 * The child gets only the environment a test passes (plus what Deno needs), so no setting of
 * the developer's shell reaches it. Its log lines (JSON on stderr) are kept in `logs`.
 *
 * @module
 */

/** The project root (this file is in `testing/`). */
const ROOT = new URL("..", import.meta.url).pathname;

/** Variables Deno itself needs to find its cache and run. */
const INHERITED = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR", "NO_COLOR"];

/**
 * The part of this process's environment Deno itself needs, for a child started with
 * `clearEnv: true` (so that no setting of the developer's shell reaches it).
 */
export function denoEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * V8 flags the server runs with, here and in `deno task start` (a test holds the two equal).
 *
 * `--no-memory-reducer`: V8's memory reducer shrinks the heap of a process that went quiet with
 * a full mark-compact whose final pause took 14–26 ms in the relay (`--trace-gc`, BENCHMARKS.md),
 * twice in every benchmark run: every message in flight waits that long. A server's heap is
 * small and its load comes back, so it keeps its heap instead.
 */
export const SERVER_V8_FLAGS: readonly string[] = ["--no-memory-reducer"];

/**
 * `flags` with {@linkcode SERVER_V8_FLAGS} added to their `--v8-flags=` (one is made when there
 * is none): Deno keeps only the last `--v8-flags`, so the two must be merged.
 */
export function withServerV8Flags(flags: readonly string[] = []): string[] {
  const prefix = "--v8-flags=";
  const own = flags.filter((flag) => flag.startsWith(prefix)).map((f) => f.slice(prefix.length));
  const rest = flags.filter((flag) => !flag.startsWith(prefix));
  return [`${prefix}${[...SERVER_V8_FLAGS, ...own].join(",")}`, ...rest];
}

/**
 * Arguments of `deno run` for `script` (a path under the project root) with the project's
 * config and net, env, read and write permissions; `flags` go before the script.
 */
export function denoRunArgs(script: string, flags: string[] = []): string[] {
  return [
    "run",
    "--quiet",
    `--config=${ROOT}deno.json`,
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-write",
    ...flags,
    `${ROOT}${script}`,
  ];
}

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** Every log line the server wrote so far. */
  logs: string[];
  /** Settles when the process exits. */
  status: Promise<Deno.CommandStatus>;
  /** Whether the process still runs. */
  alive(): boolean;
  /** Resident set size now, in bytes. */
  rssBytes(): number;
  kill(signal: Deno.Signal): void;
  /** Kills the process (SIGKILL) if it still runs, and waits for it. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Resident set size of process `pid`, in bytes (from `/proc/<pid>/status`). */
export function rssOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`Cannot read the RSS of process ${pid}: no VmRSS line`);
  return Number(match[1]) * 1024;
}

/** Options of {@linkcode startServerProcess}. */
export interface ServerProcessOptions {
  /**
   * Run under `ulimit -n <openFiles>` (soft and hard limit of open descriptors): bash sets
   * it and `exec`s Deno, so the pid is still the server's.
   * @default {the inherited limit}
   */
  openFiles?: number;
}

/**
 * Starts `deno run main.ts` with `env` (PORT=0, HOSTNAME=127.0.0.1, LOG_LEVEL=info,
 * KV_PATH=:memory:, LOCAL_COACH=echo unless given: the tests count on the echo) and resolves
 * once it logs that it listens.
 *
 * @throws {Error} when the process exits or stays silent for 30 s before listening
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const deno = [Deno.execPath(), ...denoRunArgs("main.ts", withServerV8Flags())];
  const [command, ...args] = options.openFiles === undefined
    ? deno
    : ["bash", "-c", `ulimit -n ${options.openFiles} && exec "$0" "$@"`, ...deno];
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT,
    clearEnv: true,
    env: {
      ...denoEnv(),
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      LOG_LEVEL: "info",
      KV_PATH: ":memory:",
      LOCAL_COACH: "echo",
      ...env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const logs: string[] = [];
  const listening = Promise.withResolvers<string>();
  const timer = setTimeout(
    () => listening.reject(new Error("Cannot start main.ts: no 'listening' line within 30 s")),
    30_000,
  );
  const reading = (async () => {
    let pending = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        if (line.includes('"msg":"listening"')) listening.resolve(JSON.parse(line).url);
      }
    }
    listening.reject(new Error(`Cannot start main.ts: it exited first\n${logs.join("\n")}`));
  })();
  const status = child.status;
  let url: string;
  try {
    url = await listening.promise;
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await status;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let exited = false;
  status.then(() => exited = true);
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid,
    logs,
    status,
    alive: () => !exited,
    rssBytes: () => rssOf(child.pid),
    kill: (signal) => child.kill(signal),
    async [Symbol.asyncDispose]() {
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }
      await status;
      await reading;
    },
  };
}
