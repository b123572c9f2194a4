/**
 * Starts the HTTP server: builds the services, the app from the route manifest, and
 * `Deno.serve`. Used by main.ts, dev.ts and the tests (port 0, real sockets).
 *
 * @module
 */
import { createApp } from "@/framework/app.ts";
import { readAssets } from "@/framework/builder.ts";
import { manifest } from "@/routes/_manifest.ts";
import { type Config, configSecrets, describeConfig } from "./config.ts";
import { clientLimiter } from "./client_limits.ts";
import { openPublicEmulator } from "./emulator/public.ts";
import { Health } from "./health.ts";
import { OriginPolicy } from "./origin.ts";
import { createLogger, type Logger, type LogSink } from "./log.ts";
import { serveResilient } from "./listener.ts";
import { Redactor } from "./redact.ts";
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
  const redactor = new Redactor(configSecrets(config));
  const logger = createLogger(config.logLevel, { sink: options.logSink, redactor });
  const assets = options.assets ?? await readAssets();
  if (!assets) {
    throw new Error("Cannot start: no browser build in _fresh/; run `deno task build` first");
  }
  const state: AppState = {
    config,
    logger,
    redactor,
    metrics: new RelayMetrics(),
    health: new Health({ recording: config.recordDir !== null }),
    tickets: new TicketIssuer(config.relaySecret, { ttlSeconds: config.ticketTtlSeconds }),
    ticketLimiter: clientLimiter(config.ticketRate),
    origins: OriginPolicy.fromConfig(config, config.port), // the real port is set below
    sessions: new SessionRegistry({
      maxPerClient: config.maxSessionsPerClient,
      maxSessions: config.maxSessions,
    }),
    upstream: upstreamTarget(config),
    emulator: openPublicEmulator(config, {
      sink: options.logSink,
      log: (msg, fields) => logger.debug(msg, { component: "emulator", ...fields }),
    }),
    assets,
  };
  const handler = createApp(manifest, { state, assets });
  // Restarts its listener when descriptors run out (lib/server/listener.ts).
  const server = serveResilient(handler, {
    port: config.port,
    hostname: config.hostname,
    onError: (error) => {
      logger.error("request failed", { error: String(error) });
      return new Response("Internal Server Error", { status: 500 });
    },
    onFailed: (error) => {
      state.health.listenerFailed();
      logger.error("listener failed; restarting it", { error: String(error) });
    },
    onRestarted: ({ attempts, downMs }) => {
      state.health.listenerRestarted();
      state.metrics.listenerRestarts.inc();
      logger.info("listener serves again", { attempts, downMs: Math.round(downMs) });
    },
  });
  const addr = server.addr;
  const host = addr.hostname === "0.0.0.0" ? "localhost" : addr.hostname;
  const url = `http://${host}:${addr.port}`;
  logger.info("listening", { url, ...describeConfig(config) });
  state.origins = OriginPolicy.fromConfig(config, addr.port);
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
