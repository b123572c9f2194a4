import { deepEqual, equal } from "node:assert/strict";
import {
  budgetResetTime,
  nextUtcMidnight,
  readRelayEvent,
  refusalCode,
  retryAfterSeconds,
} from "./relay_events.ts";
import { SAMPLE_TOKENS, sampleUsage } from "@/testing/usage.ts";

Deno.test("readRelayEvent() reads relay.budget's seconds left", () => {
  deepEqual(readRelayEvent({ type: "relay.budget", seconds_left: 118 }), {
    type: "budget",
    secondsLeft: 118,
  });
  deepEqual(readRelayEvent({ type: "relay.budget", seconds_left: -3 }), {
    type: "budget",
    secondsLeft: 0,
  });
  equal(readRelayEvent({ type: "relay.budget", seconds_left: "soon" }), null);
  equal(readRelayEvent({ type: "relay.budget" }), null);
  equal(readRelayEvent({ type: "response.done" }), null);
});

Deno.test("readRelayEvent() reads relay.usage's totals, tokens by kind and price table", () => {
  const note = readRelayEvent({
    type: "relay.usage",
    responses: 3,
    session_seconds: 185,
    tokens: SAMPLE_TOKENS,
    estimated_cost_usd: 0.1234,
    price_table: { model: "gpt-realtime", taken_on: "2025-09-01" },
  });
  deepEqual(note, { type: "usage", usage: sampleUsage({ responses: 3 }) });
});

Deno.test("readRelayEvent() reads a malformed relay.usage as zeros, the total as the sum", () => {
  const note = readRelayEvent({
    type: "relay.usage",
    responses: "three",
    tokens: { input_text: -5, input_audio: 10, output_audio: Infinity, output_text: 2 },
    estimated_cost_usd: null,
    price_table: [],
  });
  deepEqual(note, {
    type: "usage",
    usage: {
      responses: 0,
      sessionSeconds: 0,
      tokens: {
        input_text: 0,
        input_audio: 10,
        input_cached: 0,
        output_text: 2,
        output_audio: 0,
        total: 12,
      },
      estimatedCostUsd: 0,
      priceModel: "",
      pricesTakenOn: "",
    },
  });
});

Deno.test("nextUtcMidnight() is the start of the next UTC day", () => {
  equal(nextUtcMidnight(Date.UTC(2026, 11, 6, 21, 33)), Date.UTC(2026, 11, 7));
  equal(nextUtcMidnight(Date.UTC(2026, 11, 31, 23, 59, 59)), Date.UTC(2027, 0, 1));
  // At midnight exactly, the budget just reset: the next reset is a day later.
  equal(nextUtcMidnight(Date.UTC(2026, 11, 7)), Date.UTC(2026, 11, 8));
});

Deno.test("budgetResetTime() takes the body's reset time, else retry-after, else midnight UTC", () => {
  const now = Date.UTC(2026, 11, 6, 20, 0);
  const at = Date.UTC(2026, 11, 7);
  equal(budgetResetTime({ resetsAt: at }, 14_400, now), at);
  equal(budgetResetTime({ resetsAt: at / 1000 }, null, now), at, "seconds since the epoch");
  equal(budgetResetTime({ resets_at: new Date(at).toISOString() }, null, now), at);
  equal(budgetResetTime({ error: { code: "x", resetsAt: at } }, null, now), at);
  equal(budgetResetTime({ error: "no time here" }, 600, now), now + 600_000);
  equal(budgetResetTime(null, null, now), at);
  equal(budgetResetTime({ resetsAt: "not a date" }, null, now), at);
});

Deno.test("refusalCode() finds the code at the top or inside error", () => {
  equal(refusalCode({ error: "Cannot …", code: "access_denied" }), "access_denied");
  equal(refusalCode({ error: { code: "access_required", message: "…" } }), "access_required");
  equal(refusalCode({ error: "Cannot …" }), null);
  equal(refusalCode("text"), null);
  equal(refusalCode(null), null);
});

Deno.test("retryAfterSeconds() reads whole seconds only", () => {
  equal(retryAfterSeconds("30"), 30);
  equal(retryAfterSeconds(" 5 "), 5);
  equal(retryAfterSeconds(null), null);
  equal(retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT"), null);
  equal(retryAfterSeconds("-1"), null);
});

Deno.test("readRelayEvent() reads relay.conversation, its expiry in seconds, and rollover", () => {
  deepEqual(
    readRelayEvent({
      type: "relay.conversation",
      conversation_id: "conv_1",
      resume_token: "t.s",
      expires_at: 1_900_000_000,
    }),
    {
      type: "conversation",
      conversation: {
        conversationId: "conv_1",
        resumeToken: "t.s",
        expiresAt: 1_900_000_000_000,
        rollover: false,
      },
    },
  );
  const rolled = readRelayEvent({
    type: "relay.conversation",
    conversation_id: "conv_1",
    resume_token: "t.s",
    expires_at: 1_900_000_000,
    rollover: true,
    reason: "expiry",
  });
  equal(rolled?.type === "conversation" && rolled.conversation.rollover, true);
  for (const bad of [{ conversation_id: 1 }, { resume_token: null }, { expires_at: "soon" }]) {
    equal(
      readRelayEvent({
        type: "relay.conversation",
        conversation_id: "conv_1",
        resume_token: "t.s",
        expires_at: 1_900_000_000,
        ...bad,
      }),
      null,
    );
  }
});
