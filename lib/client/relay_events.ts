/**
 * The relay's own events and refusals, as the page reads them: `relay.budget` (the day's
 * coaching time is about to run out), `relay.usage` (what this session has used so far), and
 * the codes by which the server says "enter an access code" (`access_required`) or "the day's
 * budget is spent" (`relay_budget_exhausted`, with close code 4008 on the socket).
 *
 * Everything here is read defensively: a field that is missing or not a sane number reads as
 * 0 (or the event as nothing), so a malformed event can never break the page.
 *
 * @module
 */

/** `POST /api/session` refused: this browser has no valid access cookie. */
export const ACCESS_REQUIRED = "access_required";
/** The day's budget is spent (an `error` code, and a 429 code from `POST /api/session`). */
export const BUDGET_EXHAUSTED = "relay_budget_exhausted";
/** The close code the relay ends a session with when the day's budget is spent. */
export const BUDGET_CLOSE_CODE = 4008;

/** Tokens by kind, as `relay.usage` reports them. */
export interface UsageTokens {
  input_text: number;
  input_audio: number;
  input_cached: number;
  output_text: number;
  output_audio: number;
  total: number;
}

/** The token kinds in the order Diagnostics shows them. */
export const TOKEN_KINDS: readonly (keyof UsageTokens)[] = [
  "input_text",
  "input_audio",
  "input_cached",
  "output_text",
  "output_audio",
];

/** What this session has used so far (a `relay.usage` event). */
export interface SessionUsage {
  responses: number;
  sessionSeconds: number;
  tokens: UsageTokens;
  estimatedCostUsd: number;
  /** The price table the estimate comes from: its model and the date its prices were taken. */
  priceModel: string;
  pricesTakenOn: string;
}

/** `POST /api/session` refused a resume token: ask again without it (a new conversation). */
export const RESUME_INVALID = "resume_invalid";

/** The conversation the relay keeps for this page (`relay.conversation`). */
export interface ConversationNote {
  conversationId: string;
  /** Brings a reconnect back to this conversation (`POST /api/session {"resume_token"}`). */
  resumeToken: string;
  /** When the token stops working, ms since the epoch. */
  expiresAt: number;
  /** Sent after the relay moved to a new upstream session on its own. */
  rollover: boolean;
}

/** A relay event the page acts on. */
export type RelayNote =
  | { type: "budget"; secondsLeft: number }
  | { type: "usage"; usage: SessionUsage }
  | { type: "conversation"; conversation: ConversationNote };

/** The relay's own event in `event`, or null when it is not one (or not well-formed). */
export function readRelayEvent(
  event: { type: string } & Record<string, unknown>,
): RelayNote | null {
  if (event.type === "relay.budget") {
    if (typeof event.seconds_left !== "number" || !Number.isFinite(event.seconds_left)) return null;
    return { type: "budget", secondsLeft: Math.max(0, event.seconds_left) };
  }
  if (event.type === "relay.usage") return { type: "usage", usage: readUsage(event) };
  if (event.type === "relay.conversation") {
    const { conversation_id: id, resume_token: token } = event;
    const expiresAt = readTime(event.expires_at);
    if (typeof id !== "string" || typeof token !== "string" || expiresAt === null) return null;
    const conversation = {
      conversationId: id,
      resumeToken: token,
      expiresAt,
      rollover: event.rollover === true,
    };
    return { type: "conversation", conversation };
  }
  return null;
}

function readUsage(event: Record<string, unknown>): SessionUsage {
  const tokens = isObject(event.tokens) ? event.tokens : {};
  const table = isObject(event.price_table) ? event.price_table : {};
  const counts: UsageTokens = {
    input_text: count(tokens.input_text),
    input_audio: count(tokens.input_audio),
    input_cached: count(tokens.input_cached),
    output_text: count(tokens.output_text),
    output_audio: count(tokens.output_audio),
    total: count(tokens.total),
  };
  if (counts.total === 0) {
    counts.total = TOKEN_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
  }
  return {
    responses: count(event.responses),
    sessionSeconds: count(event.session_seconds),
    tokens: counts,
    estimatedCostUsd: count(event.estimated_cost_usd),
    priceModel: typeof table.model === "string" ? table.model : "",
    pricesTakenOn: typeof table.taken_on === "string" ? table.taken_on : "",
  };
}

/** The start of the next UTC day after `now` (ms since the epoch): when daily budgets reset. */
export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/**
 * When a refused ticket's budget comes back (ms since the epoch), from the 429's JSON body and
 * `retry-after` header: a `resetsAt`/`resets_at` time (milliseconds, or an ISO date) when the body
 * names one, else `retry-after` seconds from `now`, else the next UTC midnight.
 */
export function budgetResetTime(
  body: unknown,
  retryAfterSeconds: number | null,
  now: number,
): number {
  for (const record of [body, isObject(body) ? body.error : null]) {
    if (!isObject(record)) continue;
    const at = readTime(record.resetsAt ?? record.resets_at ?? record.resetAt);
    if (at !== null) return at;
  }
  if (retryAfterSeconds !== null) return now + retryAfterSeconds * 1000;
  return nextUtcMidnight(now);
}

/** The error code in a refusal's JSON body: `{"code"}` or `{"error": {"code"}}`, else null. */
export function refusalCode(body: unknown): string | null {
  if (!isObject(body)) return null;
  if (typeof body.code === "string") return body.code;
  if (isObject(body.error) && typeof body.error.code === "string") return body.error.code;
  return null;
}

/** A `retry-after` header in seconds (null when absent or not a number of seconds). */
export function retryAfterSeconds(header: string | null): number | null {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return null;
  return Number(header);
}

function readTime(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) {
    // Seconds since the epoch would be before 1971 as milliseconds.
    return value < 1e11 ? value * 1000 : value;
  }
  if (typeof value === "string") {
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : at;
  }
  return null;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
