/**
 * What a session's tokens cost, for the estimate the page shows (`relay.usage`). Prices are in
 * US dollars per million tokens, by the kinds `response.done`'s `usage` reports. The defaults are
 * OpenAI's published prices for `gpt-realtime`; `PRICE_TABLE` (JSON of the same shape) replaces
 * them for another model, Azure, or a later price list.
 *
 * @module
 */

/** Token kinds, as counted from `response.done`'s `usage`. */
export const TOKEN_KINDS = [
  "input_text",
  "input_audio",
  "input_cached_text",
  "input_cached_audio",
  "output_text",
  "output_audio",
] as const;

export type TokenKind = typeof TOKEN_KINDS[number];

/** Tokens by kind. */
export type TokenCounts = Record<TokenKind, number>;

export interface PriceTable {
  /** The model the prices are for. */
  model: string;
  /** When the prices were taken (`YYYY-MM-DD`), so a reader knows how old they are. */
  takenOn: string;
  /** US dollars per million tokens, by kind. */
  perMillion: TokenCounts;
}

/**
 * `gpt-realtime` as announced at its general availability (2025-08-28): audio in $32, cached
 * audio in $0.40, audio out $64; text in $4, cached text in $0.40, text out $16 per million.
 */
export const DEFAULT_PRICE_TABLE: Readonly<PriceTable> = Object.freeze({
  model: "gpt-realtime",
  takenOn: "2025-08-28",
  perMillion: Object.freeze({
    input_text: 4,
    input_audio: 32,
    input_cached_text: 0.4,
    input_cached_audio: 0.4,
    output_text: 16,
    output_audio: 64,
  }),
});

/**
 * The built-in coach of local mode: the emulator counts tokens as the service would, but
 * nothing is billed, so every price is zero and the page says so.
 */
export const LOCAL_PRICE_TABLE: Readonly<PriceTable> = Object.freeze({
  model: "none: the built-in coach is free",
  takenOn: "",
  perMillion: Object.freeze(zeroTokens()),
});

/** No tokens of any kind. */
export function zeroTokens(): TokenCounts {
  return {
    input_text: 0,
    input_audio: 0,
    input_cached_text: 0,
    input_cached_audio: 0,
    output_text: 0,
    output_audio: 0,
  };
}

/** The estimated cost of `tokens` in US dollars. */
export function estimateCost(tokens: TokenCounts, table: PriceTable): number {
  let dollars = 0;
  for (const kind of TOKEN_KINDS) dollars += (tokens[kind] * table.perMillion[kind]) / 1e6;
  return dollars;
}

/**
 * Reads a price table from JSON (`PRICE_TABLE`): `{"model", "takenOn", "perMillion": {kind:
 * dollars, …}}`; kinds left out cost nothing.
 *
 * @throws {SyntaxError} when `text` is not such a table; the message names what is wrong
 */
export function parsePriceTable(text: string): PriceTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `Cannot read the price table: it is not JSON (${(error as Error).message})`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError("Cannot read the price table: expected a JSON object");
  }
  const { model, takenOn, perMillion } = value as Record<string, unknown>;
  if (typeof model !== "string" || model === "") {
    throw new SyntaxError('Cannot read the price table: "model" must be a non-empty string');
  }
  if (typeof takenOn !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(takenOn)) {
    throw new SyntaxError('Cannot read the price table: "takenOn" must be a date, YYYY-MM-DD');
  }
  if (typeof perMillion !== "object" || perMillion === null || Array.isArray(perMillion)) {
    throw new SyntaxError(
      `Cannot read the price table: "perMillion" must map token kinds (${
        TOKEN_KINDS.join(", ")
      }) to dollars`,
    );
  }
  const prices = zeroTokens();
  for (const [kind, price] of Object.entries(perMillion)) {
    if (!(TOKEN_KINDS as readonly string[]).includes(kind)) {
      throw new SyntaxError(
        `Cannot read the price table: unknown token kind "${kind}"; use ${TOKEN_KINDS.join(", ")}`,
      );
    }
    if (typeof price !== "number" || !Number.isFinite(price) || price < 0) {
      throw new SyntaxError(
        `Cannot read the price table: the price of "${kind}" must be a number of dollars >= 0`,
      );
    }
    prices[kind as TokenKind] = price;
  }
  return { model, takenOn, perMillion: prices };
}
