/**
 * Starts the real app (`app.ts`) for a test on 127.0.0.1 and a free port, with its log lines
 * kept for the test to read.
 *
 * @module
 */
import { type RunningServer, startApp } from "@/app.ts";
import { loadConfig } from "@/lib/server/config.ts";

export interface TestServer extends RunningServer {
  /** Every log line the server wrote, in order (JSON). */
  logs: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@linkcode startTestServer}. */
export interface TestServerOptions {
  /**
   * A KV handle the app uses instead of opening `KV_PATH` (two app instances on one store);
   * the test closes it.
   * @default {the store KV_PATH names: a fresh `:memory:` one unless the test sets KV_PATH}
   */
  kv?: Deno.Kv;
}

/**
 * Starts the app with `env` as its environment (over `PORT=0`, `HOSTNAME=127.0.0.1`,
 * `LOG_LEVEL=debug`, `KV_PATH=:memory:` and `LOCAL_COACH=echo`: the wire tests count on the
 * echo; a test of the delivery coach sets `LOCAL_COACH=delivery`); `await using` shuts it
 * down.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const config = loadConfig({
    PORT: "0",
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "debug",
    KV_PATH: ":memory:",
    LOCAL_COACH: "echo",
    ...env,
  });
  const server = await startApp(config, { logSink: (line) => logs.push(line), kv: options.kv });
  return {
    ...server,
    logs,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** A port on 127.0.0.1 that was free a moment ago (nothing listens on it now). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** A metric's value in Prometheus text (`name{labels} value`); 0 when the series is absent. */
export function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** The server's `/metrics` text. */
export async function readMetrics(baseUrl: string): Promise<string> {
  return await (await fetch(`${baseUrl}/metrics`)).text();
}
