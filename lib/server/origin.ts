/**
 * Origin checks for the relay and ticket endpoints (cross-site WebSocket hijacking defence).
 *
 * @module
 */

/**
 * Whether a request's `Origin` may use the relay. No `Origin` header (a non-browser client)
 * passes: the ticket is what authenticates. With `ALLOWED_ORIGINS` set, the origin must be
 * listed exactly; without it, it must be the server's own origin, compared by host so that a
 * TLS-terminating proxy (https outside, http inside) still matches.
 */
export function originAllowed(req: Request, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  if (allowedOrigins.length > 0) return allowedOrigins.includes(origin);
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const own = req.headers.get("x-forwarded-host") ?? req.headers.get("host") ??
    new URL(req.url).host;
  return host === own;
}
