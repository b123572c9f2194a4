/**
 * `GET /api/relay?ticket=…`: checks the Origin and the ticket, then upgrades to the relay
 * WebSocket. Every refusal happens before the upgrade, as plain HTTP: 401 (no, bad, expired
 * or reused ticket), 403 (origin), 429 (too many sessions for this client), 503 (shutting down,
 * or `MAX_SESSIONS` reached).
 */
import type { Handlers } from "@/framework/types.ts";
import { newId } from "@/lib/shared/ids.ts";
import { clientAddress } from "@/lib/server/client_address.ts";
import { RelaySession } from "@/lib/server/relay.ts";
import type { AppState } from "@/lib/server/state.ts";

/** Seconds of silence after which Deno pings the browser and drops it if it does not answer. */
const IDLE_TIMEOUT_SECONDS = 5;
/** `retry-after` when every session slot of the process (`MAX_SESSIONS`) is taken. */
const FULL_RETRY_AFTER_SECONDS = 5;

function refuse(status: number, message: string, headers: HeadersInit = {}): Response {
  return Response.json({ error: message }, { status, headers });
}

export const handler: Handlers<AppState> = {
  async GET(ctx) {
    const { config, tickets, sessions, metrics, logger } = ctx.state;
    if (ctx.req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return refuse(426, "Cannot relay: connect with a WebSocket", { upgrade: "websocket" });
    }
    if (sessions.closing) {
      metrics.rejected.inc({ status: "503" });
      return refuse(503, "Cannot relay: the server is shutting down; retry shortly", {
        "retry-after": "2",
      });
    }
    if (!ctx.state.origins.allows(ctx.req)) {
      metrics.rejected.inc({ status: "403" });
      logger.warn("relay refused: origin", { origin: ctx.req.headers.get("origin") });
      return refuse(403, "Cannot relay: this origin is not allowed");
    }
    const check = await tickets.redeem(ctx.url.searchParams.get("ticket"));
    if (!check.ok) {
      metrics.rejected.inc({ status: "401" });
      logger.info("relay refused: ticket", { reason: check.reason });
      return refuse(
        401,
        `Cannot relay: the ticket is ${check.reason}; get a new one from POST /api/session`,
      );
    }
    const client = clientAddress(ctx.req, ctx.remoteAddr, config);
    if (sessions.full) {
      metrics.rejected.inc({ status: "503" });
      logger.info("relay refused: server full", { sessions: sessions.reserved });
      return refuse(503, "Cannot relay: the server is at its session limit; retry shortly", {
        "retry-after": String(FULL_RETRY_AFTER_SECONDS),
      });
    }
    if (!sessions.reserve(client)) {
      metrics.rejected.inc({ status: "429" });
      return refuse(
        429,
        `Cannot relay: this client already has ${config.maxSessionsPerClient} sessions open; close one first`,
      );
    }
    let upgrade: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgrade = Deno.upgradeWebSocket(ctx.req, { idleTimeout: IDLE_TIMEOUT_SECONDS });
    } catch (error) {
      // A malformed upgrade (no sec-websocket-key, say) must not keep its slot.
      sessions.release(client);
      metrics.rejected.inc({ status: "400" });
      return refuse(400, `Cannot relay: ${(error as Error).message}; open a standard WebSocket`);
    }
    const { socket, response } = upgrade;
    const session = new RelaySession(socket, {
      sessionId: newId("relay"),
      config,
      target: ctx.state.upstream,
      metrics,
      logger,
      redactor: ctx.state.redactor,
      health: ctx.state.health,
    });
    sessions.add(client, session);
    return response;
  },
};
