/**
 * Starts the HTTP server: builds the services, the app from the route manifest, and
 * `Deno.serve`. Used by main.ts, dev.ts and the tests (port 0, real sockets).
 *
 * @module
 */
import { createApp } from "@/framework/app.ts";
import { readAssets } from "@/framework/builder.ts";
import { manifest } from "@/routes/_manifest.ts";
import { type Config, describeConfig } from "./config.ts";
import { Health } from "./health.ts";
import { createLogger, type Logger, type LogSink } from "./log.ts";
import { RelayMetrics } from "./metrics.ts";
import { SessionRegistry } from "./sessions.ts";
import type { AppState } from "./state.ts";
import { TicketIssuer } from "./tickets.ts";
import { upstreamTarget } from "./upstream.ts";

export interface ServerOptions {
  /** Where log lines go (tests capture them). */
  logSink?: LogSink;
  /** Built asset URLs; read from `_fresh/manifest.json` when omitted. */
  assets?: Record<string, string>;
}

export interface RunningServer {
  /** `http://host:port` */
  url: string;
  port: number;
  state: AppState;
  logger: Logger;
  /** Stops accepting, closes sessions with a reason, finishes recordings. */
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

export async function startServer(
  config: Readonly<Config>,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const logger = createLogger(config.logLevel, options.logSink);
  const assets = options.assets ?? await readAssets();
  if (!assets) {
    throw new Error("Cannot start: no browser build in _fresh/; run `deno task build` first");
  }
  const localKey = `local-${crypto.randomUUID()}`;
  const state: AppState = {
    config,
    logger,
    metrics: new RelayMetrics(),
    health: new Health({ recording: config.recordDir !== null }),
    tickets: new TicketIssuer(config.relaySecret, { ttlSeconds: config.ticketTtlSeconds }),
    sessions: new SessionRegistry(config.maxSessionsPerClient),
    // Replaced below once the port is known (local mode connects to this server).
    upstream: upstreamTarget(config, "http://127.0.0.1:0", localKey),
    localKey,
    assets,
  };
  const handler = createApp(manifest, { state, assets });
  const ready = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
    onError: (error) => {
      logger.error("request failed", { error: String(error) });
      return new Response("Internal Server Error", { status: 500 });
    },
  }, handler);
  const addr = await ready.promise;
  const host = addr.hostname === "0.0.0.0" ? "localhost" : addr.hostname;
  const url = `http://${host}:${addr.port}`;
  const loopback = addr.hostname.includes(":") && addr.hostname !== "::"
    ? `[${addr.hostname}]`
    : addr.hostname === "0.0.0.0" || addr.hostname === "::"
    ? "127.0.0.1"
    : addr.hostname;
  state.upstream = upstreamTarget(config, `http://${loopback}:${addr.port}`, localKey);
  logger.info("listening", { url, ...describeConfig(config) });
  return {
    url,
    port: addr.port,
    state,
    logger,
    async shutdown() {
      await state.sessions.shutdown("Server is shutting down; reconnect in a moment");
      await server.shutdown();
    },
    finished: server.finished,
  };
}
