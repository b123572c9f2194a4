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
 *
 * A JSON body `{"resume_token": "…"}` (from a `relay.conversation` event) asks for a ticket that
 * goes on that conversation (`lib/server/resume.ts`); a forged, expired or malformed token is
 * 401 `resume_invalid` (start a new conversation: ask again without it), a body that is not
 * such an object 400 `invalid_body`.
 */
import type { Context, Handlers } from "@/framework/types.ts";
import { clientAddress } from "@/lib/server/client_address.ts";
import { resumeTokensFor } from "@/lib/server/resume.ts";
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
    const resume = await resumeRequest(ctx.req);
    if (resume === "invalid_body") {
      metrics.rejected.inc({ status: "400" });
      return Response.json({
        error: 'Cannot issue a ticket: the body must be empty or JSON {"resume_token": "…"}',
        code: "invalid_body",
      }, { status: 400, headers: NO_STORE });
    }
    let conversation: string | null = null;
    if (resume !== null) {
      const check = await resumeTokensFor(config).check(resume.token);
      if (!check.ok) {
        metrics.rejected.inc({ status: "401" });
        logger.info("ticket refused: resume token", { reason: check.reason });
        return Response.json({
          error:
            `Cannot resume the conversation: the resume token is ${check.reason}; start a new conversation`,
          code: "resume_invalid",
        }, { status: 401, headers: NO_STORE });
      }
      conversation = check.conversationId;
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
    const { ticket, expiresAt } = await tickets.issue(client, conversation);
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

/** The longest body read: a resume token is about 130 characters. */
const MAX_BODY_BYTES = 4096;

/** The body's `resume_token`: null without one, or `"invalid_body"`. */
async function resumeRequest(req: Request): Promise<{ token: unknown } | null | "invalid_body"> {
  if (req.body === null) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return "invalid_body";
    chunks.push(chunk);
  }
  const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  if (text.trim() === "") return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "invalid_body";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "invalid_body";
  const token = (body as { resume_token?: unknown }).resume_token;
  return token === undefined || token === null ? null : { token };
}
