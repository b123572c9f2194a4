import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { ErrorEvent } from "@/lib/shared/realtime/mod.ts";
import {
  binaryFrameRefused,
  budgetExhausted,
  eventTooLarge,
  notAllowed,
  queueFull,
  rateLimited,
  RELAY_ERROR,
  sessionExpired,
  unreachableMessage,
  upstreamCongested,
  upstreamDisconnected,
  upstreamUnavailable,
} from "./relay_errors.ts";
import { UpstreamError } from "./upstream.ts";

const CONFIG = { maxAudioSpeed: 2, eventRate: { count: 20, windowMs: 1000, burst: 40 } };

Deno.test("every relay error is a GA error envelope with its code, type and plain words", () => {
  const cases: [ErrorEvent, string | null, string][] = [
    [binaryFrameRefused(3), "invalid_value", "invalid_request_error"],
    [eventTooLarge(5000, 4096), RELAY_ERROR.tooLarge, "invalid_request_error"],
    [
      notAllowed("Cannot forward 'x': the relay forwards only y", "type", "e1"),
      RELAY_ERROR.notAllowed,
      "invalid_request_error",
    ],
    [rateLimited("audio", null, CONFIG), RELAY_ERROR.rateLimited, "invalid_request_error"],
    [rateLimited("event", "e2", CONFIG), RELAY_ERROR.rateLimited, "invalid_request_error"],
    [queueFull(512), RELAY_ERROR.queueFull, "invalid_request_error"],
    [upstreamCongested(), RELAY_ERROR.congested, "invalid_request_error"],
    [
      upstreamUnavailable(new Error("ECONNREFUSED 10.0.0.7")),
      RELAY_ERROR.unavailable,
      "server_error",
    ],
    [upstreamDisconnected(1006), RELAY_ERROR.disconnected, "server_error"],
    [sessionExpired(1800).error, RELAY_ERROR.expired, "invalid_request_error"],
    [budgetExhausted(86_400_000, 1000).error, RELAY_ERROR.budgetExhausted, "invalid_request_error"],
  ];
  for (const [event, code, type] of cases) {
    equal(event.type, "error");
    match(event.event_id, /^event_[0-9A-Za-z]{21}$/);
    equal(event.error.code, code, event.error.message);
    equal(event.error.type, type, event.error.message);
    // Words for a person: no unfilled value, no stack.
    ok(event.error.message.length > 30, event.error.message);
    ok(!/undefined|NaN|\bat \S+\.[jt]s:\d+/.test(event.error.message), event.error.message);
  }
  deepEqual(notAllowed("m", "response.tools", "e1").error.param, "response.tools");
  equal(notAllowed("m", "type", "e1").error.event_id, "e1");
  equal(rateLimited("event", "e2", CONFIG).error.event_id, "e2");
  equal(binaryFrameRefused(3).error.param, "audio");
});

Deno.test("the rate-limit words name the configured limits", () => {
  match(rateLimited("audio", null, CONFIG).error.message, /at most 2 times real time/);
  match(rateLimited("event", null, CONFIG).error.message, /at most 20 events per 1 s/);
});

Deno.test("an unreachable upstream is described without addresses or causes", () => {
  equal(
    unreachableMessage(new UpstreamError("refused", { status: 401 })),
    "The voice service refused the session (HTTP 401).",
  );
  equal(
    unreachableMessage(new UpstreamError("Cannot open the upstream: no answer within 5000 ms")),
    "The voice service did not answer in time.",
  );
  const hidden = new Error("connect ECONNREFUSED 10.0.0.7:443");
  equal(unreachableMessage(hidden), "The voice service could not be reached.");
  ok(!upstreamUnavailable(hidden).error.message.includes("10.0.0.7"));
});

Deno.test("sessionExpired() words the limit in minutes when whole, else in seconds", () => {
  const cases: [number, string][] = [
    [60, "1 minute"],
    [1800, "30 minutes"],
    [90, "90 seconds"],
  ];
  for (const [seconds, limit] of cases) {
    const { error, reason } = sessionExpired(seconds);
    ok(error.error.message.includes(`maximum duration of ${limit}.`), error.error.message);
    equal(reason, `Your session hit the maximum duration of ${limit}.`);
  }
});

Deno.test("budgetExhausted() says when the budget resets, in UTC and from now", () => {
  const midnight = Date.UTC(2026, 11, 7);
  const cases: [number, string][] = [
    [midnight - (5 * 60 + 12) * 60_000, "resets at 00:00 UTC, in 5 h 12 min"],
    [midnight - 59 * 60_000 - 30_000, "resets at 00:00 UTC, in 1 h"],
    [midnight - 20_000, "resets at 00:00 UTC, in 1 min"],
    [midnight - 24 * 3_600_000 + 1, "resets at 00:00 UTC, in 24 h"],
  ];
  for (const [now, words] of cases) {
    const { error, reason } = budgetExhausted(midnight, now);
    equal(error.error.code, "relay_budget_exhausted");
    // The words end there (no minutes after a whole hour).
    ok(error.error.message.includes(`${words};`), error.error.message);
    ok(reason.includes(`${words}.`), reason);
    ok(new TextEncoder().encode(reason).length <= 123, reason);
  }
});
