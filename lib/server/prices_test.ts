import { deepEqual, equal, throws } from "node:assert/strict";
import {
  DEFAULT_PRICE_TABLE,
  estimateCost,
  LOCAL_PRICE_TABLE,
  parsePriceTable,
  TOKEN_KINDS,
  zeroTokens,
} from "./prices.ts";

Deno.test("estimateCost() prices each kind per million tokens", () => {
  const tokens = zeroTokens();
  tokens.input_audio = 1_000_000;
  tokens.output_audio = 500_000;
  tokens.input_cached_text = 10_000;
  // 32 + 32 + 0.004
  equal(Math.round(estimateCost(tokens, DEFAULT_PRICE_TABLE) * 1e6) / 1e6, 64.004);
  equal(estimateCost(zeroTokens(), DEFAULT_PRICE_TABLE), 0);
});

Deno.test("parsePriceTable() reads a table; kinds left out cost nothing", () => {
  const table = parsePriceTable(
    JSON.stringify({ model: "m", takenOn: "2026-12-01", perMillion: { output_audio: 20 } }),
  );
  equal(table.model, "m");
  equal(table.perMillion.output_audio, 20);
  equal(table.perMillion.input_audio, 0);
  deepEqual(Object.keys(table.perMillion).sort(), [...TOKEN_KINDS].sort());
});

Deno.test("parsePriceTable() names what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["nope", /not JSON/],
    ["[]", /JSON object/],
    [JSON.stringify({ takenOn: "2026-01-01", perMillion: {} }), /"model"/],
    [JSON.stringify({ model: "m", takenOn: "Jan 1", perMillion: {} }), /YYYY-MM-DD/],
    [JSON.stringify({ model: "m", takenOn: "2026-01-01", perMillion: 3 }), /perMillion/],
    [
      JSON.stringify({ model: "m", takenOn: "2026-01-01", perMillion: { video: 1 } }),
      /unknown token kind "video"/,
    ],
    [
      JSON.stringify({ model: "m", takenOn: "2026-01-01", perMillion: { input_text: -1 } }),
      /input_text.*>= 0/,
    ],
  ];
  for (const [text, message] of cases) {
    throws(
      () => parsePriceTable(text),
      (e: unknown) => e instanceof SyntaxError && message.test((e as Error).message),
    );
  }
});

Deno.test("LOCAL_PRICE_TABLE prices every kind of token at zero", () => {
  for (const kind of TOKEN_KINDS) equal(LOCAL_PRICE_TABLE.perMillion[kind], 0);
  equal(estimateCost({ ...zeroTokens(), input_audio: 1_000_000 }, LOCAL_PRICE_TABLE), 0);
});
