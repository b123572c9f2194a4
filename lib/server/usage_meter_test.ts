import { deepEqual, equal } from "node:assert/strict";
import { DEFAULT_PRICE_TABLE } from "./prices.ts";
import { tokensOfUsage, UsageMeter } from "./usage_meter.ts";

/** A GA `response.done` usage object (docs/protocol.md §3). */
const USAGE = {
  total_tokens: 1540,
  input_tokens: 1200,
  output_tokens: 340,
  input_token_details: {
    text_tokens: 400,
    audio_tokens: 800,
    image_tokens: 0,
    cached_tokens: 500,
    cached_tokens_details: { text_tokens: 300, audio_tokens: 200, image_tokens: 0 },
  },
  output_token_details: { text_tokens: 40, audio_tokens: 300 },
};

Deno.test("tokensOfUsage() counts each token once, cached apart from uncached", () => {
  deepEqual(tokensOfUsage(USAGE), {
    input_text: 100,
    input_audio: 600,
    input_cached_text: 300,
    input_cached_audio: 200,
    output_text: 40,
    output_audio: 300,
  });
});

Deno.test("tokensOfUsage() reads garbage as nothing", () => {
  const zero = tokensOfUsage(null);
  equal(Object.values(zero).every((n) => n === 0), true);
  const bad = tokensOfUsage({
    input_token_details: { text_tokens: -5, audio_tokens: 1.5 },
    output_token_details: { text_tokens: "9", audio_tokens: 1e12 },
  });
  equal(Object.values(bad).every((n) => n === 0), true);
});

Deno.test("UsageMeter adds responses up, prices them and hands out what is unflushed once", () => {
  const meter = new UsageMeter(DEFAULT_PRICE_TABLE);
  meter.add(USAGE);
  meter.add(USAGE);
  equal(meter.responses, 2);
  equal(meter.totals.output_audio, 600);
  // 2 × (100×4 + 600×32 + 300×0.4 + 200×0.4 + 40×16 + 300×64) / 1e6
  equal(Math.round(meter.costUsd * 1e6), 2 * (400 + 19200 + 120 + 80 + 640 + 19200));
  equal(meter.takeUnflushed().input_audio, 1200);
  equal(meter.takeUnflushed().input_audio, 0);
  const event = JSON.parse(meter.event(61.4));
  equal(event.type, "relay.usage");
  equal(event.session_seconds, 61);
  equal(event.tokens.total, 3080);
  equal(event.tokens.input_cached, 1000);
  equal(event.price_table.model, "gpt-realtime");
});
