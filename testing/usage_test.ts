import { deepEqual, equal, notStrictEqual } from "node:assert/strict";
import { TOKEN_KINDS } from "@/lib/client/relay_events.ts";
import { SAMPLE_TOKENS, sampleUsage } from "./usage.ts";

Deno.test("SAMPLE_TOKENS has every kind, and its total is their sum", () => {
  deepEqual(Object.keys(SAMPLE_TOKENS).sort(), [...TOKEN_KINDS, "total"].sort());
  equal(TOKEN_KINDS.reduce((n, kind) => n + SAMPLE_TOKENS[kind], 0), SAMPLE_TOKENS.total);
});

Deno.test("sampleUsage() takes overrides, and each call has its own tokens", () => {
  equal(sampleUsage().responses, 4);
  equal(sampleUsage({ responses: 3 }).responses, 3);
  equal(sampleUsage({ priceModel: "" }).priceModel, "");
  deepEqual(sampleUsage().tokens, SAMPLE_TOKENS);
  notStrictEqual(sampleUsage().tokens, sampleUsage().tokens);
});
