/**
 * The Origin check of the relay and ticket endpoints (the defence against cross-site
 * WebSocket hijacking and DNS rebinding).
 *
 * A browser's `Origin` is compared with origins the operator configured, never with what
 * the request says about itself: `Host` is whatever name the page was loaded by, so a
 * rebinding attacker's `http://evil.example:8000` resolving to this server would otherwise
 * count as "our own origin". The allowed set is built once the server knows its port:
 *
 * - `ALLOWED_ORIGINS` when set, else the loopback forms of the listening port
 *   (`http://localhost:PORT`, `http://127.0.0.1:PORT`, `http://[::1]:PORT`, and the listening
 *   address itself when it is a specific one);
 * - plus `PUBLIC_ORIGIN` when set;
 * - on Deno Deploy (`DENO_DEPLOYMENT_ID`), also the request's own origin: its URL's, and
 *   `https://` + its `Host` (Deploy's edge ends TLS and routes by `Host`: a request that reaches
 *   the deployment was addressed to one of its domains);
 * - with `TRUST_PROXY=1`, also the origin made of `X-Forwarded-Proto` and
 *   `X-Forwarded-Host` (or `Host`), which the proxy in front sets.
 *
 * A request with no `Origin` (a non-browser client) passes: the ticket is what authenticates;
 * the check stops a browser on another site from using a visitor's session.
 *
 * @module
 */
import type { Config } from "./config.ts";

/** Options of {@linkcode OriginPolicy}. */
export interface OriginPolicyOptions {
  /** The port the server listens on (known once it listens). */
  port: number;
  /**
   * The address it listens on; a specific one (not `0.0.0.0` or `::`) is allowed as well.
   * @default {"0.0.0.0"}
   */
  hostname?: string;
  /**
   * `ALLOWED_ORIGINS`: when not empty, these replace the loopback forms.
   * @default {[]}
   */
  allowedOrigins?: readonly string[];
  /**
   * `PUBLIC_ORIGIN`: allowed in addition.
   * @default {null}
   */
  publicOrigin?: string | null;
  /**
   * Running on Deno Deploy: the request URL's own origin is allowed.
   * @default {false}
   */
  deployment?: boolean;
  /**
   * `TRUST_PROXY=1`: the forwarded origin (`X-Forwarded-Proto` + `X-Forwarded-Host`) is allowed.
   * @default {false}
   */
  trustProxy?: boolean;
}

/** Which browser origins may get tickets and open the relay. */
export class OriginPolicy {
  #allowed: ReadonlySet<string>;
  #deployment: boolean;
  #trustProxy: boolean;

  /** @throws {RangeError} when `port` is not a port number */
  constructor(options: OriginPolicyOptions) {
    const { port } = options;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`Cannot make an origin policy: ${port} is not a port number`);
    }
    const allowed = new Set<string>();
    if (options.allowedOrigins && options.allowedOrigins.length > 0) {
      for (const origin of options.allowedOrigins) allowed.add(normalizeOrigin(origin) ?? origin);
    } else {
      const hosts = ["localhost", "127.0.0.1", "[::1]"];
      const hostname = options.hostname ?? "0.0.0.0";
      if (hostname !== "0.0.0.0" && hostname !== "::" && hostname !== "") {
        hosts.push(hostname.includes(":") ? `[${hostname}]` : hostname);
      }
      for (const host of hosts) {
        const origin = normalizeOrigin(`http://${host}:${port}`);
        if (origin !== null) allowed.add(origin);
      }
    }
    if (options.publicOrigin) {
      allowed.add(normalizeOrigin(options.publicOrigin) ?? options.publicOrigin);
    }
    this.#allowed = allowed;
    this.#deployment = options.deployment ?? false;
    this.#trustProxy = options.trustProxy ?? false;
  }

  /** The policy `config` describes, for a server listening on `port`. */
  static fromConfig(config: Readonly<Config>, port: number): OriginPolicy {
    return new OriginPolicy({
      port,
      hostname: config.hostname,
      allowedOrigins: config.allowedOrigins,
      publicOrigin: config.publicOrigin,
      deployment: config.deployment !== null,
      trustProxy: config.trustProxy,
    });
  }

  /** The configured origins (the per-request ones, Deploy's and the proxy's, not included). */
  get origins(): readonly string[] {
    return [...this.#allowed];
  }

  /** Whether `req` may proceed: it has no `Origin`, or an allowed one. */
  allows(req: Request): boolean {
    const origin = req.headers.get("origin");
    if (origin === null) return true;
    if (this.#allowed.has(origin)) return true;
    if (this.#deployment && deployedOrigins(req).includes(origin)) return true;
    if (this.#trustProxy && origin === forwardedOrigin(req)) return true;
    return false;
  }
}

/**
 * The origins a request reaching a Deno Deploy deployment was sent to: its URL's own, and
 * `https://` + its `Host`. Deploy's edge ends TLS and routes by `Host`, so a request that
 * reaches this deployment was addressed to one of its domains, whatever scheme the runtime
 * reports (plain http, or none over a unix socket).
 */
function deployedOrigins(req: Request): string[] {
  const origins: string[] = [];
  const own = new URL(req.url).origin;
  if (own !== "null") origins.push(own);
  const host = firstValue(req.headers.get("host"));
  const https = host === null ? null : normalizeOrigin(`https://${host}`);
  if (https !== null) origins.push(https);
  return origins;
}

/**
 * The origin a reverse proxy says the browser used: the first `X-Forwarded-Proto` (else the
 * request's own scheme) and the first `X-Forwarded-Host` (else `Host`). Null when they do
 * not make an http(s) origin.
 */
function forwardedOrigin(req: Request): string | null {
  const host = firstValue(req.headers.get("x-forwarded-host")) ??
    firstValue(req.headers.get("host"));
  if (host === null) return null;
  const proto = firstValue(req.headers.get("x-forwarded-proto"))?.toLowerCase() ??
    new URL(req.url).protocol.slice(0, -1);
  if (proto !== "http" && proto !== "https") return null;
  return normalizeOrigin(`${proto}://${host}`);
}

/** The first entry of a comma-separated header, trimmed; null when absent or empty. */
function firstValue(header: string | null): string | null {
  if (header === null) return null;
  const value = header.split(",", 1)[0].trim();
  return value === "" ? null : value;
}

/**
 * `text` as a browser serialises an origin (lower-case host, no default port, no path), or
 * null when it is not an http(s) origin.
 */
function normalizeOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username !== "" || url.password !== "") return null;
  return url.origin;
}
