/**
 * `POST /api/session`: a short-lived, single-use ticket for one relay connection.
 * The reply carries no secret: the API key stays on the server.
 */
import type { Handlers } from "@/framework/types.ts";
import { originAllowed } from "@/lib/server/origin.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  async POST(ctx) {
    const { config, tickets, sessions, metrics } = ctx.state;
    if (!originAllowed(ctx.req, config.allowedOrigins)) {
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
    const { ticket, expiresAt } = await tickets.issue();
    return Response.json(
      { ticket, expiresAt, relay: `/api/relay?ticket=${encodeURIComponent(ticket)}` },
      { headers: { "cache-control": "no-store" } },
    );
  },
};
