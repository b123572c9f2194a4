/**
 * Starts the HTTP server: builds the services, asks the caller for the request handler
 * (`app.ts` at the top builds it from the route manifest), and serves it. The library knows
 * no route: `startApp()` in `app.ts` is what main.ts, dev.ts, the tests and the benchmarks
 * call.
 *
 * @module
 */
import { readAssets } from "@/framework/builder.ts";
import { type Config, configSecrets, describeConfig } from "./config.ts";
import { AccessCodes } from "./access.ts";
import { holdCoachVoice } from "./coach/voice.ts";
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
import { Store } from "./store/mod.ts";
import { TicketIssuer } from "./tickets.ts";
import { upstreamTarget } from "./upstream.ts";

/** Builds the request handler once the services exist. */
export type HandlerFactory = (state: AppState) => Deno.ServeHandler<Deno.NetAddr>;

export interface ServerOptions {
  /** Where log lines go (tests capture them). */
  logSink?: LogSink;
  /** Built asset URLs; read from `_fresh/manifest.json` when omitted. */
  assets?: Record<string, string>;
  /**
   * A KV handle to use instead of opening `config.kvPath` (tests run two app instances on one
   * handle: two handles on one file in one process hit "database is locked"). The caller
   * closes it.
   * @default {the store `config.kvPath` names, opened here and closed at shutdown}
   */
  kv?: Deno.Kv;
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

/**
 * Builds the services from `config`, then serves the handler `app` makes from them on
 * `config.hostname:config.port` (port 0: a free one; `RunningServer.port` tells which).
 *
 * @throws {Error} when no browser build exists and `options.assets` is not given, or the KV
 *   store cannot be opened
 */
export async function startServer(
  config: Readonly<Config>,
  app: HandlerFactory,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const redactor = new Redactor(configSecrets(config));
  const logger = createLogger(config.logLevel, { sink: options.logSink, redactor });
  const assets = options.assets ?? await readAssets();
  if (!assets) {
    throw new Error("Cannot start: no browser build in _fresh/; run `deno task build` first");
  }
  const storeOptions = {
    perClientMinutes: config.dailyMinutesPerClient,
    totalMinutes: config.dailyMinutesTotal,
  };
  const store = options.kv
    ? Store.of(options.kv, storeOptions)
    : await Store.open(config.kvPath, storeOptions);
  const timed = store.timed.bind(store);
  const state: AppState = {
    config,
    logger,
    redactor,
    metrics: new RelayMetrics(),
    health: new Health({ recording: config.recordDir !== null }),
    store,
    tickets: new TicketIssuer(config.relaySecret, {
      ttlSeconds: config.ticketTtlSeconds,
      ledger: { redeem: (id, exp) => timed(store.ledger.redeem(id, exp), "redeem the ticket") },
    }),
    ticketLimiter: clientLimiter(config.ticketRate),
    access: new AccessCodes(config.accessCodes, config.relaySecret),
    origins: OriginPolicy.fromConfig(config, config.port), // the real port is set below
    sessions: new SessionRegistry({
      leases: store.leases,
      timed,
      maxPerClient: config.maxSessionsPerClient,
      maxSessions: config.maxSessions,
      onLeaseProblem: (msg, fields) => logger.warn(msg, fields),
    }),
    upstream: upstreamTarget(config),
    emulator: openPublicEmulator(config, {
      sink: options.logSink,
      log: (msg, fields) => logger.debug(msg, { component: "emulator", ...fields }),
    }),
    assets,
  };
  // The local coach's voice: one worker for every session. The delivery coach starts it now:
  // the worker's start stalls the event loop once (~0.1 s), better at boot than mid-session.
  const voice = holdCoachVoice();
  let server: ReturnType<typeof serveResilient>;
  try {
    const handler = app(state);
    // Restarts its listener when descriptors run out (lib/server/listener.ts).
    server = serveResilient(handler, {
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
  } catch (error) {
    voice.release();
    store.close();
    throw error;
  }
  let stopping = false;
  if (config.upstream === "local" && config.localCoach === "delivery") {
    voice.synth.warm().catch((error) => {
      if (stopping) return; // shut down before the voice was up: nothing to tell
      logger.warn("the coach's voice did not start; it is tried again at the first reply", {
        error: String(error),
      });
    });
  }
  const addr = server.addr;
  // Deno Deploy moves the first listener to an address of its own (`DENO_SERVE_ADDRESS`),
  // which may be a unix or vsock socket: then there is no host or port of ours to name.
  const tcp = addr.transport === "tcp";
  const port = tcp ? addr.port : config.port;
  const host = !tcp || addr.hostname === "0.0.0.0" ? "localhost" : addr.hostname;
  const url = `http://${host}:${port}`;
  logger.info("listening", { url, ...describeConfig(config) });
  state.origins = OriginPolicy.fromConfig(config, port);
  return {
    url,
    port,
    state,
    logger,
    async shutdown() {
      stopping = true;
      await state.sessions.shutdown("Server is shutting down; reconnect in a moment");
      await server.shutdown();
      voice.release();
      store.close();
    },
    finished: server.finished,
  };
}
