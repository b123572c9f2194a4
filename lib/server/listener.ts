/**
 * An HTTP listener that outlives running out of file descriptors.
 *
 * When `accept()` fails (EMFILE: every descriptor the process may open is taken, by idle
 * sockets say), `Deno.serve` closes its listener and rejects its `finished` promise: the process
 * lives on and serves nothing, and nobody awaiting `finished` makes that rejection crash it.
 * The connections it had already accepted (open WebSockets, keep-alive requests) go on.
 * {@linkcode serveResilient} serves again on the same address: it binds a new listener after
 * `min(maxDelayMs, minDelayMs · 2ⁿ)` and, while descriptors are still short (the bind or the
 * next accept fails), waits longer each time.
 *
 * A restarted listener counts as serving once it has handled a request on a new connection:
 * binding alone proves nothing, since the next accept may fail again, and requests on
 * connections accepted before the failure still arrive (a failed listener's connections go
 * on). So after each bind it probes itself: one request on a fresh loopback connection,
 * answered 204 by this module without reaching the app. One outage is reported once, by
 * `onFailed` when it starts and by `onRestarted` when a new connection got through again,
 * however many attempts it took. A listener that fails again within `stableMs` of its restart keeps the backoff it
 * had, so a process hovering at its limit reports at most one outage per `maxDelayMs`.
 *
 * @module
 */

/** `Deno.serve` for TCP, or a stand-in with its shape. */
export type ServeFunction = (
  options: Deno.ServeTcpOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
) => Deno.HttpServer<Deno.NetAddr>;

/** What an outage cost, reported when the listener serves again. */
export interface Outage {
  /** Binds and self-probes tried before a new connection was served. */
  attempts: number;
  /** From the failure to the first request served again. */
  downMs: number;
  /** The failure that started the outage. */
  error: unknown;
}

export interface ResilientServeOptions {
  /** Address to listen on. */
  hostname: string;
  /** Port to listen on; 0 picks a free port, which restarts then keep. */
  port: number;
  /** Answers a request whose handler threw. @default a plain 500 */
  onError?: (error: unknown) => Response | Promise<Response>;
  /** The listener failed: called once per outage, with the error. */
  onFailed?: (error: unknown) => void;
  /** A restarted listener served its first request: the outage is over. */
  onRestarted?: (outage: Outage) => void;
  /** First wait before binding again. @default 100 */
  minDelayMs?: number;
  /** Longest wait between attempts. @default 2000 */
  maxDelayMs?: number;
  /** A listener that served this long before failing starts again from `minDelayMs`. @default 10000 */
  stableMs?: number;
  /** The server to run; tests wrap the real one to fail on demand. @default Deno.serve */
  serve?: ServeFunction;
}

/** The wait before attempt `attempt` (0-based): `min(maxDelayMs, minDelayMs · 2^attempt)`. */
export function restartDelay(
  attempt: number,
  options: { minDelayMs: number; maxDelayMs: number },
): number {
  return Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.min(attempt, 30));
}

function defaultServe(
  options: Deno.ServeTcpOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(options, handler);
}

/** Header carrying the token of a listener's probe of itself. */
const PROBE_HEADER = "x-listener-probe";
/** Path of the probe: should a request of the app's be served first, the probe reaches the
 * app, which answers it as any unknown path. */
const PROBE_PATH = "/.well-known/listener-probe";
/** Longest wait for the probe's answer. */
const PROBE_TIMEOUT_MS = 2000;

/** Where a listener bound to `hostname` can be reached from this host. */
function loopbackFor(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "") return "127.0.0.1";
  if (hostname === "::") return "::1";
  return hostname;
}

/** A listener bound by one `serve` call. */
interface Instance {
  server: Deno.HttpServer<Deno.NetAddr>;
  /** It handled a request since it was bound. */
  served: boolean;
}

/** A running {@linkcode serveResilient} server. */
export class ResilientServer {
  #handler: Deno.ServeHandler<Deno.NetAddr>;
  #options: ResilientServeOptions;
  #serve: ServeFunction;
  #minDelayMs: number;
  #maxDelayMs: number;
  #stableMs: number;
  #addr: Deno.NetAddr | null = null;
  #current: Instance | null = null;
  /** Listeners that failed: their accepted connections may still be open. */
  #failed = new Set<Deno.HttpServer<Deno.NetAddr>>();
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #attempts = 0;
  #down: { since: number; error: unknown } | null = null;
  #upSince = 0;
  #closing = false;
  #finished = Promise.withResolvers<void>();
  #probeToken = crypto.randomUUID();

  constructor(handler: Deno.ServeHandler<Deno.NetAddr>, options: ResilientServeOptions) {
    this.#handler = handler;
    this.#options = options;
    this.#serve = options.serve ?? defaultServe;
    this.#minDelayMs = options.minDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 2000;
    this.#stableMs = options.stableMs ?? 10_000;
  }

  /** The address it listens on (the port chosen at the first bind, kept by restarts). */
  get addr(): Deno.NetAddr {
    if (!this.#addr) throw new Error("Cannot read the address: the server is not started");
    return this.#addr;
  }

  /** False from a failure until a restarted listener serves a request on a new connection. */
  get serving(): boolean {
    return this.#down === null && !this.#closing;
  }

  /** Settles once {@linkcode shutdown} finished; never rejects. */
  get finished(): Promise<void> {
    return this.#finished.promise;
  }

  /**
   * Binds the first listener.
   *
   * @throws {Error} when it cannot bind (address in use, no permission): that is not an outage
   */
  start(): Deno.NetAddr {
    const addr = this.#bind(this.#options.port);
    this.#addr = addr;
    this.#upSince = performance.now();
    return addr;
  }

  /** Stops accepting (and retrying) and waits for the open requests to finish. */
  async shutdown(): Promise<void> {
    if (this.#closing) return this.#finished.promise;
    this.#closing = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const servers = [...this.#failed];
    if (this.#current) servers.push(this.#current.server);
    this.#current = null;
    this.#failed.clear();
    // A failed listener's shutdown settles once its remaining connections are done (or at
    // once); either way it must not reject out of here.
    await Promise.allSettled(servers.map((server) => server.shutdown()));
    this.#finished.resolve();
  }

  /** Binds a listener on `port`; throws what `serve` throws. */
  #bind(port: number): Deno.NetAddr {
    let bound: Deno.NetAddr | null = null;
    const instance: Instance = { server: null!, served: false };
    const handler: Deno.ServeHandler<Deno.NetAddr> = (request, info) => {
      if (!instance.served) {
        this.#servedFirst(instance);
        if (request.headers.get(PROBE_HEADER) === this.#probeToken) {
          return new Response(null, { status: 204 });
        }
      }
      return this.#handler(request, info);
    };
    instance.server = this.#serve({
      hostname: this.#options.hostname,
      port,
      onListen: (addr) => bound = addr,
      onError: this.#options.onError,
    }, handler);
    // Attached at once: a rejection here must never go unhandled.
    instance.server.finished.then(
      () => this.#ended(instance, null),
      (error) => this.#ended(instance, error),
    );
    this.#current = instance;
    return bound ?? instance.server.addr;
  }

  #servedFirst(instance: Instance): void {
    instance.served = true;
    if (instance !== this.#current || this.#down === null) return;
    const outage: Outage = {
      attempts: this.#attempts,
      downMs: performance.now() - this.#down.since,
      error: this.#down.error,
    };
    this.#down = null;
    this.#upSince = performance.now();
    this.#options.onRestarted?.(outage);
  }

  /** A listener's `finished` settled: `error` null when it stopped without one. */
  #ended(instance: Instance, error: unknown): void {
    if (this.#closing) return;
    if (instance !== this.#current) return;
    this.#current = null;
    this.#failed.add(instance.server);
    this.#outage(error ?? new Error("The listener stopped on its own"));
  }

  #outage(error: unknown): void {
    if (this.#down === null) {
      const now = performance.now();
      this.#down = { since: now, error };
      if (now - this.#upSince >= this.#stableMs) this.#attempts = 0;
      this.#options.onFailed?.(error);
    }
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    const delay = restartDelay(this.#attempts, {
      minDelayMs: this.#minDelayMs,
      maxDelayMs: this.#maxDelayMs,
    });
    this.#attempts++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closing) return;
      let instance: Instance;
      try {
        this.#bind(this.addr.port);
        instance = this.#current!;
      } catch {
        // Still short of descriptors (or the port is briefly taken): wait longer.
        this.#scheduleRetry();
        return;
      }
      this.#probe(instance);
    }, delay);
  }

  /**
   * Sends the probe request to `instance` on a new connection. If it fails while `instance`
   * still stands unproven (this process could not open the connection, say), it is sent again
   * after the next backoff delay; if `instance` itself failed, its `finished` has already
   * scheduled the next bind.
   */
  async #probe(instance: Instance): Promise<void> {
    let conn: Deno.TcpConn | null = null;
    try {
      conn = await Deno.connect({
        hostname: loopbackFor(this.addr.hostname),
        port: this.addr.port,
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      const request = `GET ${PROBE_PATH} HTTP/1.1\r\nhost: localhost\r\n` +
        `${PROBE_HEADER}: ${this.#probeToken}\r\nconnection: close\r\n\r\n`;
      await conn.write(new TextEncoder().encode(request));
      const timer = setTimeout(() => conn?.close(), PROBE_TIMEOUT_MS);
      try {
        // The answer's first bytes (or the end of the connection) are enough.
        await conn.read(new Uint8Array(256));
      } finally {
        clearTimeout(timer);
      }
    } catch {
      // Judged below by whether the request got through.
    } finally {
      try {
        conn?.close();
      } catch { /* closed by the timer */ }
    }
    if (instance.served || instance !== this.#current || this.#closing) return;
    const delay = restartDelay(this.#attempts++, {
      minDelayMs: this.#minDelayMs,
      maxDelayMs: this.#maxDelayMs,
    });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#closing && instance === this.#current) this.#probe(instance);
    }, delay);
  }
}

/**
 * Serves `handler` on `options.hostname`:`options.port` and keeps serving through descriptor
 * exhaustion (see the module documentation).
 *
 * @throws {Error} when the first bind fails (address in use, no permission)
 */
export function serveResilient(
  handler: Deno.ServeHandler<Deno.NetAddr>,
  options: ResilientServeOptions,
): ResilientServer {
  const server = new ResilientServer(handler, options);
  server.start();
  return server;
}
