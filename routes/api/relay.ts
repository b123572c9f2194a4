/**
 * `GET /api/relay?ticket=…`: checks the Origin and the ticket, takes a process slot and one of
 * the ticket's client's session leases (shared by every instance), then upgrades to the relay
 * WebSocket. Every refusal happens before the upgrade, as plain HTTP: 401 (no, bad, expired
 * or reused ticket), 403 (origin), 429 (too many sessions for this client, on all instances),
 * 503 with `retry-after` (shutting down, `MAX_SESSIONS` reached, or the shared store did not
 * answer).
 *
 * Every session goes on a conversation (`lib/server/rollover.ts`): a new one, or, for a ticket
 * from a resume token, the one it names, whose kept turns are read here (a store that does not
 * answer is a 503 too).
 */
import type { Handlers } from "@/framework/types.ts";
import { newId } from "@/lib/shared/ids.ts";
import { RelaySession } from "@/lib/server/relay.ts";
import { accountSession } from "@/lib/server/relay_accounting.ts";
import type { AppState } from "@/lib/server/state.ts";
import type { Lease } from "@/lib/server/store/leases.ts";
import { storeUnavailableResponse } from "@/lib/server/store/mod.ts";
import type { TicketCheck } from "@/lib/server/tickets.ts";
import { ConversationLog, ConversationStore, type Turn } from "@/lib/server/conversation_log.ts";
import { resumeTokensFor } from "@/lib/server/resume.ts";

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
    let check: TicketCheck;
    try {
      check = await tickets.redeem(ctx.url.searchParams.get("ticket"));
    } catch (error) {
      metrics.rejected.inc({ status: "503" });
      logger.warn("relay refused: store", { error: (error as Error).message });
      return storeUnavailableResponse("relay");
    }
    if (!check.ok) {
      metrics.rejected.inc({ status: "401" });
      logger.info("relay refused: ticket", { reason: check.reason });
      return refuse(
        401,
        `Cannot relay: the ticket is ${check.reason}; get a new one from POST /api/session`,
      );
    }
    const { client } = check;
    if (!sessions.reserve()) {
      metrics.rejected.inc({ status: "503" });
      logger.info("relay refused: server full", { sessions: sessions.reserved });
      return refuse(503, "Cannot relay: the server is at its session limit; retry shortly", {
        "retry-after": String(FULL_RETRY_AFTER_SECONDS),
      });
    }
    const sessionId = newId("relay");
    let lease: Lease | null;
    try {
      lease = await sessions.lease(client, sessionId);
    } catch (error) {
      sessions.release();
      metrics.rejected.inc({ status: "503" });
      logger.warn("relay refused: store", { error: (error as Error).message });
      return storeUnavailableResponse("relay");
    }
    if (lease === null) {
      sessions.release();
      metrics.rejected.inc({ status: "429" });
      return refuse(
        429,
        `Cannot relay: this client already has ${config.maxSessionsPerClient} sessions open; close one first`,
      );
    }
    const conversations = new ConversationStore(ctx.state.store.kv);
    const conversationId = check.conversation ?? newId("conv");
    let turns: Turn[] | null = null;
    try {
      if (check.conversation !== null) {
        turns = await ctx.state.store.timed(
          conversations.load(conversationId),
          "load the conversation",
        );
      }
    } catch (error) {
      sessions.release();
      lease.release().catch(() => {});
      metrics.rejected.inc({ status: "503" });
      logger.warn("relay refused: store", { error: (error as Error).message });
      return storeUnavailableResponse("relay");
    }
    let upgrade: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgrade = Deno.upgradeWebSocket(ctx.req, { idleTimeout: IDLE_TIMEOUT_SECONDS });
    } catch (error) {
      // A malformed upgrade (no sec-websocket-key, say) must not keep its slot or its lease.
      sessions.release();
      lease.release().catch(() => {});
      metrics.rejected.inc({ status: "400" });
      return refuse(400, `Cannot relay: ${(error as Error).message}; open a standard WebSocket`);
    }
    const { socket, response } = upgrade;
    const session = new RelaySession(socket, {
      sessionId,
      client,
      config,
      target: ctx.state.upstream,
      metrics,
      logger,
      redactor: ctx.state.redactor,
      health: ctx.state.health,
      accounting: accountSession(ctx.state, client, sessionId),
      conversation: {
        log: new ConversationLog({
          id: conversationId,
          store: conversations,
          turns: turns ?? [],
          onError: (error) =>
            logger.warn("saving the conversation failed", { error: error.message }),
        }),
        tokens: resumeTokensFor(config),
        rolloverSeconds: config.sessionRolloverSeconds,
      },
    });
    sessions.add(session, lease);
    return response;
  },
};
