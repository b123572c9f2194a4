/**
 * Starts the real server for a test on 127.0.0.1 and a free port.
 *
 * @module
 */
import { loadConfig } from "@/lib/server/config.ts";
import { type RunningServer, startServer } from "@/lib/server/server.ts";

export interface TestServer extends RunningServer {
  logs: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const logs: string[] = [];
  const config = loadConfig({ PORT: "0", HOSTNAME: "127.0.0.1", LOG_LEVEL: "debug", ...env });
  const server = await startServer(config, { logSink: (line) => logs.push(line) });
  return {
    ...server,
    logs,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
