/**
 * `POST /api/session`: a short-lived, single-use ticket for one relay connection, signed with
 * the client it was issued to: with `ACCESS_CODES` set, `holder:<id>` from the access cookie;
 * otherwise `addr:<client address>`. The reply carries no secret: the API key stays on the
 * server.
 *
 * Refusals, each `{"error": "…"}` plus `code` where the page acts on it: 403 (an `Origin` that
 * is not allowed), 503 (shutting down), 429 with `retry-after` (this client has had its
 * `TICKET_RATE_PER_CLIENT`), 401 `access_required` (codes are on and there is no valid access
 * cookie), 429 `relay_budget_exhausted` with `retry-after` and `resetsAt` (today's budget is
 * spent), 503 `store_unavailable` with `retry-after` (the shared store did not answer).
 */
import type { Context, Handlers } from "@/framework/types.ts";
import { clientAddress } from "@/lib/server/client_address.ts";
import type { AppState } from "@/lib/server/state.ts";
import { storeUnavailableResponse } from "@/lib/server/store/mod.ts";

const NO_STORE = { "cache-control": "no-store" };

export const handler: Handlers<AppState> = {
  async POST(ctx) {
    const { config, tickets, ticketLimiter, sessions, metrics, logger, store } = ctx.state;
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
    const address = clientAddress(ctx.req, ctx.remoteAddr, config);
    if (ticketLimiter !== null) {
      const decision = ticketLimiter.take(address);
      if (!decision.ok) {
        const seconds = decision.retryAfterSeconds;
        metrics.rateLimited.inc({ kind: "ticket" });
        logger.debug("ticket refused: rate", { retryAfterSeconds: seconds });
        return Response.json({
          error: `Cannot issue a ticket: this client asked for too many; retry in ${seconds} s`,
          retryAfterSeconds: seconds,
        }, {
          status: 429,
          headers: { "retry-after": String(seconds), ...NO_STORE },
        });
      }
    }
    const client = await clientKey(ctx, address);
    if (client === null) {
      metrics.rejected.inc({ status: "401" });
      return Response.json({
        error: "Cannot issue a ticket: this coach needs an access code; enter yours first",
        code: "access_required",
      }, { status: 401, headers: NO_STORE });
    }
    const { budgets } = store;
    if (budgets.perClientSeconds !== null || budgets.totalSeconds !== null) {
      let left;
      try {
        left = await store.timed(budgets.remaining(client), "read the budget");
      } catch (error) {
        metrics.rejected.inc({ status: "503" });
        logger.warn("ticket refused: store", { error: (error as Error).message });
        return storeUnavailableResponse("issue a ticket");
      }
      if (left.seconds === 0) {
        const seconds = Math.max(1, Math.ceil((left.resetsAt - Date.now()) / 1000));
        const resetsAt = new Date(left.resetsAt).toISOString();
        metrics.rejected.inc({ status: "429" });
        logger.info("ticket refused: budget", { resetsAt });
        const whose = left.client === 0 ? "your" : "the service's";
        return Response.json({
          error:
            `Cannot issue a ticket: ${whose} session time for today is used up; it resets at ${resetsAt}`,
          code: "relay_budget_exhausted",
          resetsAt,
          retryAfterSeconds: seconds,
        }, { status: 429, headers: { "retry-after": String(seconds), ...NO_STORE } });
      }
    }
    const { ticket, expiresAt } = await tickets.issue(client);
    return Response.json(
      { ticket, expiresAt, relay: `/api/relay?ticket=${encodeURIComponent(ticket)}` },
      { headers: NO_STORE },
    );
  },
};

/**
 * Who the ticket is for: `holder:<id>` from a valid access cookie when codes are on (null
 * without one), else `addr:<address>`.
 */
async function clientKey(ctx: Context<AppState>, address: string): Promise<string | null> {
  const { access } = ctx.state;
  if (!access.enabled) return `addr:${address}`;
  const holder = await access.verifyCookie(ctx.req.headers.get("cookie"));
  return holder === null ? null : `holder:${holder}`;
}
