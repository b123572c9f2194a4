/**
 * `POST /api/session`: a short-lived, single-use ticket for one relay connection.
 * The reply carries no secret: the API key stays on the server.
 *
 * Refusals: 403 (an `Origin` that is not allowed), 429 with `retry-after` (this client has
 * had its `TICKET_RATE_PER_CLIENT`), 503 (shutting down).
 */
import type { Handlers } from "@/framework/types.ts";
import { clientAddress } from "@/lib/server/client_address.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  async POST(ctx) {
    const { config, tickets, ticketLimiter, sessions, metrics, logger } = ctx.state;
    if (!ctx.state.origins.allows(ctx.req)) {
      metrics.rejected.inc({ status: "403" });
      return Response.json({ error: "Cannot issue a ticket: this origin is not allowed" }, {
        status: 403,
      });
    }
    if (sessions.closing) {
      return Response.json({ error: "Cannot issue a ticket: the server is shutting down" }, {
        status: 503,
        headers: { "retry-after": "2" },
      });
    }
    if (ticketLimiter !== null) {
      const decision = ticketLimiter.take(clientAddress(ctx.req, ctx.remoteAddr, config));
      if (!decision.ok) {
        const seconds = decision.retryAfterSeconds;
        metrics.rateLimited.inc({ kind: "ticket" });
        logger.debug("ticket refused: rate", { retryAfterSeconds: seconds });
        return Response.json({
          error: `Cannot issue a ticket: this client asked for too many; retry in ${seconds} s`,
          retryAfterSeconds: seconds,
        }, {
          status: 429,
          headers: { "retry-after": String(seconds), "cache-control": "no-store" },
        });
      }
    }
    const { ticket, expiresAt } = await tickets.issue();
    return Response.json(
      { ticket, expiresAt, relay: `/api/relay?ticket=${encodeURIComponent(ticket)}` },
      { headers: { "cache-control": "no-store" } },
    );
  },
};
