/**
 * One session's usage, as `relay.usage` carries it and the page keeps it, for the tests of the
 * code that reads it and the words that show it.
 *
 * @module
 */
import type { SessionUsage, UsageTokens } from "@/lib/client/relay_events.ts";

/** Tokens by kind: the same keys on the wire and in the page's record; `total` is their sum. */
export const SAMPLE_TOKENS: Readonly<UsageTokens> = {
  input_text: 120,
  input_audio: 9000,
  input_cached: 64,
  output_text: 80,
  output_audio: 3081,
  total: 12345,
};

/**
 * A session's usage: 4 responses in 185 s, {@linkcode SAMPLE_TOKENS}, about $0.1234 by the
 * `gpt-realtime` price table taken on 2025-09-01; `overrides` replace fields of it.
 */
export function sampleUsage(overrides: Partial<SessionUsage> = {}): SessionUsage {
  return {
    responses: 4,
    sessionSeconds: 185,
    tokens: { ...SAMPLE_TOKENS },
    estimatedCostUsd: 0.1234,
    priceModel: "gpt-realtime",
    pricesTakenOn: "2025-09-01",
    ...overrides,
  };
}
