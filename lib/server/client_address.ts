/**
 * Who the client is, for per-client limits (tickets, sessions): the TCP peer's address, or,
 * behind a trusted reverse proxy (`TRUST_PROXY=1`), the first `X-Forwarded-For` hop.
 *
 * The forwarded value is a header anyone can write, so it is taken only when the operator
 * says a proxy sets it, and only when it is a plain IP literal; anything else (a name,
 * `unknown`, a list too long to be one address, a port with no address) falls back to the
 * TCP peer. The proxy must *set* the header (nginx: `proxy_set_header X-Forwarded-For
 * $remote_addr`), not append to what the client sent, or the first hop is the client's
 * choice.
 *
 * Addresses are normalised so that one client has one key: IPv6 in its canonical compressed
 * lower-case form (RFC 5952, as the URL parser writes it), IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, what a dual-stack listener reports) as plain IPv4, brackets and ports
 * removed.
 *
 * @module
 */

/** Options of {@linkcode clientAddress}. */
export interface ClientAddressOptions {
  /**
   * Whether a reverse proxy in front sets `X-Forwarded-For` (`TRUST_PROXY=1`).
   * @default {false}
   */
  trustProxy?: boolean;
}

/** The key used when the peer's address is not known (not a TCP connection). */
export const UNKNOWN_CLIENT = "unknown";

/**
 * The longest forwarded hop looked at: `[` + the longest IPv6 text (45 characters, with an
 * IPv4 tail) + `]:65535`, with room for whitespace. A longer first hop is not an address.
 */
const MAX_HOP_LENGTH = 64;

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_CHARS = /^[0-9a-fA-F:.]{2,45}$/;
const PORT = /^\d{1,5}$/;

/**
 * The client of `req`: `remoteAddr`'s address, or the first `X-Forwarded-For` hop when
 * `options.trustProxy` is set and that hop is an IP literal. Always a normalised address,
 * or {@linkcode UNKNOWN_CLIENT} when there is no TCP peer and no usable forwarded hop.
 */
export function clientAddress(
  req: Request,
  remoteAddr: Deno.NetAddr | null,
  options: ClientAddressOptions = {},
): string {
  if (options.trustProxy) {
    const forwarded = req.headers.get("x-forwarded-for");
    if (forwarded !== null) {
      const hop = firstHop(forwarded);
      const address = hop === null ? null : normalizeAddress(hop);
      if (address !== null) return address;
    }
  }
  if (remoteAddr === null) return UNKNOWN_CLIENT;
  return normalizeAddress(remoteAddr.hostname) ?? remoteAddr.hostname;
}

/**
 * The first comma-separated entry of a forwarded list, trimmed; null when it is empty or
 * longer than any address (only that bounded prefix of the header is ever copied).
 */
function firstHop(header: string): string | null {
  const comma = header.indexOf(",");
  const end = comma === -1 ? header.length : comma;
  if (end > MAX_HOP_LENGTH) return null;
  const hop = header.slice(0, end).trim();
  return hop === "" ? null : hop;
}

/**
 * An IP literal in its normal form (see the module comment), or null when `text` is not one.
 * Accepts `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`, `[2001:db8::1]` and
 * `[2001:db8::1]:443`. Zone ids (`fe80::1%eth0`) and names are not addresses here.
 */
export function normalizeAddress(text: string): string | null {
  let host = text;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close === -1) return null;
    const rest = host.slice(close + 1);
    if (rest !== "" && !(rest.startsWith(":") && PORT.test(rest.slice(1)))) return null;
    host = host.slice(1, close);
    if (!host.includes(":")) return null;
  } else if (host.indexOf(":") !== -1 && host.indexOf(":") === host.lastIndexOf(":")) {
    // One colon: an IPv4 address with a port (IPv6 has at least two).
    const [address, port] = host.split(":");
    if (!PORT.test(port)) return null;
    host = address;
  }
  if (IPV4.test(host)) return host;
  if (!IPV6_CHARS.test(host) || !host.includes(":")) return null;
  let canonical: string;
  try {
    // The URL parser validates IPv6 fully and serialises it canonically (RFC 5952).
    canonical = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  return ipv4Mapped(canonical) ?? canonical;
}

/** `::ffff:c000:201` (how the URL parser writes `::ffff:192.0.2.1`) as `192.0.2.1`. */
function ipv4Mapped(canonical: string): string | null {
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (match === null) return null;
  const high = parseInt(match[1], 16);
  const low = parseInt(match[2], 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
