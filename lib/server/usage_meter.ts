/**
 * Tokens a session used, read from each `response.done`'s `usage` (docs/protocol.md §3) and
 * added up by kind, with the estimated cost from the price table. The relay sends the totals to
 * the page as `relay.usage` after every response, counts them in `/metrics`, and writes them to
 * the store at turn ends.
 *
 * The service reports cached tokens as a part of the input tokens; here each token counts once,
 * as cached or not, because the two cost different prices. Values that are not sane counts (not
 * integers, negative, absurdly large) count as 0: an upstream cannot inflate the bill or the
 * metrics with garbage.
 *
 * @module
 */
import { estimateCost, type PriceTable, type TokenCounts, zeroTokens } from "./prices.ts";

/** No response reports more than this many tokens of one kind (far above any context window). */
export const MAX_TOKENS_PER_RESPONSE = 10_000_000;

/** The tokens of one `response.done` usage object, by kind (all 0 when there is none). */
export function tokensOfUsage(usage: unknown): TokenCounts {
  const tokens = zeroTokens();
  if (!isObject(usage)) return tokens;
  const input = isObject(usage.input_token_details) ? usage.input_token_details : {};
  const cached = isObject(input.cached_tokens_details) ? input.cached_tokens_details : {};
  const output = isObject(usage.output_token_details) ? usage.output_token_details : {};
  tokens.input_cached_text = count(cached.text_tokens);
  tokens.input_cached_audio = count(cached.audio_tokens);
  tokens.input_text = Math.max(0, count(input.text_tokens) - tokens.input_cached_text);
  tokens.input_audio = Math.max(0, count(input.audio_tokens) - tokens.input_cached_audio);
  tokens.output_text = count(output.text_tokens);
  tokens.output_audio = count(output.audio_tokens);
  return tokens;
}

/** A session's running totals. */
export class UsageMeter {
  #table: PriceTable;
  #totals = zeroTokens();
  #unflushed = zeroTokens();
  #responses = 0;

  constructor(table: PriceTable) {
    this.#table = table;
  }

  /** Adds one response's usage; returns its tokens by kind. */
  add(usage: unknown): TokenCounts {
    const tokens = tokensOfUsage(usage);
    for (const kind of Object.keys(tokens) as (keyof TokenCounts)[]) {
      this.#totals[kind] += tokens[kind];
      this.#unflushed[kind] += tokens[kind];
    }
    this.#responses++;
    return tokens;
  }

  /** The session's totals so far. */
  get totals(): Readonly<TokenCounts> {
    return this.#totals;
  }

  /** Responses counted. */
  get responses(): number {
    return this.#responses;
  }

  /** The estimated cost so far, in US dollars. */
  get costUsd(): number {
    return estimateCost(this.#totals, this.#table);
  }

  /** The tokens counted since the last call (for the store), and forgets them. */
  takeUnflushed(): TokenCounts {
    const out = this.#unflushed;
    this.#unflushed = zeroTokens();
    return out;
  }

  /** The `relay.usage` event for the page. */
  event(sessionSeconds: number): string {
    const t = this.#totals;
    return JSON.stringify({
      type: "relay.usage",
      responses: this.#responses,
      session_seconds: Math.round(sessionSeconds),
      tokens: {
        input_text: t.input_text,
        input_audio: t.input_audio,
        input_cached: t.input_cached_text + t.input_cached_audio,
        output_text: t.output_text,
        output_audio: t.output_audio,
        total: Object.values(t).reduce((a, b) => a + b, 0),
      },
      estimated_cost_usd: Math.round(this.costUsd * 1e6) / 1e6,
      price_table: { model: this.#table.model, taken_on: this.#table.takenOn },
    });
  }
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 &&
      value <= MAX_TOKENS_PER_RESPONSE
    ? value
    : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
