import { equal, match } from "node:assert/strict";
import { errorCodeLabel, RelayMetrics } from "./metrics.ts";
import { TOKEN_KINDS } from "./prices.ts";

Deno.test("RelayMetrics renders counters, gauges and the latency histogram as Prometheus text", async () => {
  const metrics = new RelayMetrics();
  metrics.sessionsActive.inc();
  metrics.up.frames.inc();
  metrics.up.bytes.inc(1300);
  metrics.errors.inc({ source: "upstream", code: "invalid_value" });
  metrics.down.latency.observe(0.0002);
  const text = await metrics.text();
  match(text, /^relay_sessions_active 1$/m);
  match(text, /^relay_frames_total\{direction="browser_to_upstream"\} 1$/m);
  match(text, /^relay_bytes_total\{direction="browser_to_upstream"\} 1300$/m);
  match(text, /^relay_errors_total\{source="upstream",code="invalid_value"\} 1$/m);
  match(text, /^relay_forward_seconds_bucket\{le="0.00025",direction="upstream_to_browser"\} 1$/m);
});

Deno.test("RelayMetrics counts usage tokens by kind, every kind listed from the start", async () => {
  const metrics = new RelayMetrics();
  const before = await metrics.text();
  for (const kind of TOKEN_KINDS) {
    match(before, new RegExp(`^relay_usage_tokens_total\\{kind="${kind}"\\} 0$`, "m"));
  }
  metrics.usageTokens.inc({ kind: "output_audio" }, 120);
  match(await metrics.text(), /^relay_usage_tokens_total\{kind="output_audio"\} 120$/m);
});

Deno.test("relay_budget_exhausted is a known error code", () => {
  equal(errorCodeLabel("relay_budget_exhausted"), "relay_budget_exhausted");
});

Deno.test("RelayMetrics lists every rollover reason and frame fate from the start", async () => {
  const metrics = new RelayMetrics();
  const before = await metrics.text();
  for (const reason of ["planned", "expired", "dropped"]) {
    match(before, new RegExp(`^relay_rollovers_total\\{reason="${reason}"\\} 0$`, "m"));
  }
  for (const fate of ["sent", "held", "released", "dropped"]) {
    match(before, new RegExp(`^relay_rollover_frames_total\\{fate="${fate}"\\} 0$`, "m"));
  }
  metrics.rollovers.inc({ reason: "dropped" });
  metrics.rolloverSeconds.observe(0.03);
  metrics.rolloverFrame.held.inc(3);
  const text = await metrics.text();
  match(text, /^relay_rollovers_total\{reason="dropped"\} 1$/m);
  match(text, /^relay_rollover_seconds_bucket\{le="0.05"\} 1$/m);
  match(text, /^relay_rollover_seconds_count 1$/m);
  match(text, /^relay_rollover_frames_total\{fate="held"\} 3$/m);
});
