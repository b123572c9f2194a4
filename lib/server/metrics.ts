/**
 * The relay's Prometheus metrics (prom-client, one registry per server so tests can run
 * several servers in one process). Served as text at `/metrics`.
 *
 * Per-frame counters are bound to their label values once (`labels()` children), so the hot
 * path pays one increment, not a label lookup.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { TOKEN_KINDS } from "./prices.ts";

/**
 * Error codes that may become a label of `relay_errors_total`: the relay's own and the GA
 * codes the service is known to send (docs/protocol.md §7). Anything else counts as `other`,
 * so an upstream cannot grow the label set without bound or write text of its choosing
 * (a key, say) into `/metrics`.
 */
export const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set([
  // the relay's
  "relay_event_not_allowed",
  "relay_event_too_large",
  "relay_queue_full",
  "relay_upstream_congested",
  "relay_rate_limited",
  "relay_session_expired",
  "relay_budget_exhausted",
  "upstream_unavailable",
  "upstream_disconnected",
  // GA's
  "invalid_value",
  "invalid_event",
  "invalid_json",
  "invalid_type",
  "unknown_parameter",
  "missing_required_parameter",
  "integer_below_min_value",
  "integer_above_max_value",
  "decimal_below_min_value",
  "decimal_above_max_value",
  "string_above_max_length",
  "array_above_max_length",
  "input_audio_buffer_commit_empty",
  "conversation_already_has_active_response",
  "response_cancel_not_active",
  "cannot_update_voice",
  "invalid_api_key",
  "invalid_model",
  "missing_model",
  "beta_api_shape_disabled",
  "session_expired",
  "rate_limit_exceeded",
  "insufficient_quota",
  "server_error",
  "null",
]);

/** The label for an error code: itself when known, else `other`. */
export function errorCodeLabel(code: unknown): string {
  const text = code === null || code === undefined ? "null" : String(code);
  return KNOWN_ERROR_CODES.has(text) ? text : "other";
}

/** Why a conversation moved to a new upstream session (the `reason` of `relay_rollovers_total`). */
export const ROLLOVER_REASONS = ["planned", "expired", "dropped"] as const;
/** A value of {@linkcode ROLLOVER_REASONS}. */
export type RolloverReason = typeof ROLLOVER_REASONS[number];
/** What became of a browser → upstream message (the `fate` of `relay_rollover_frames_total`). */
export const FRAME_FATES = ["sent", "held", "released", "dropped"] as const;
/** A value of {@linkcode FRAME_FATES}. */
export type FrameFate = typeof FRAME_FATES[number];

export class RelayMetrics {
  readonly registry = new Registry();
  readonly sessionsActive = new Gauge({
    name: "relay_sessions_active",
    help: "Relay sessions open now",
    registers: [this.registry],
  });
  readonly sessionsTotal = new Counter({
    name: "relay_sessions_total",
    help: "Relay sessions opened since start",
    registers: [this.registry],
  });
  readonly frames = new Counter({
    name: "relay_frames_total",
    help: "WebSocket messages relayed, by direction",
    labelNames: ["direction"],
    registers: [this.registry],
  });
  readonly bytes = new Counter({
    name: "relay_bytes_total",
    help: "Bytes of WebSocket messages relayed, by direction",
    labelNames: ["direction"],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "relay_errors_total",
    help: "Error events, by code and by who raised them (relay or upstream)",
    labelNames: ["source", "code"],
    registers: [this.registry],
  });
  readonly shed = new Counter({
    name: "relay_shed_total",
    help: "Messages dropped to keep memory bounded, by direction and reason",
    labelNames: ["direction", "reason"],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: "relay_rejected_connections_total",
    help: "Relay connections refused before the upgrade, by HTTP status",
    labelNames: ["status"],
    registers: [this.registry],
  });
  readonly recordingFailures = new Counter({
    name: "recording_failures",
    help: "Recordings that could not be opened or written (the session went on unrecorded)",
    registers: [this.registry],
  });
  readonly listenerRestarts = new Counter({
    name: "relay_listener_restarts_total",
    help: "Times the HTTP listener failed (descriptors ran out) and was started again",
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: "relay_rate_limited_total",
    help: "Requests and messages refused or dropped by a rate limit, by kind",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  /** Every kind starts at 0, so that a dashboard sees each series from the first scrape. */
  readonly usageTokens = new Counter({
    name: "relay_usage_tokens_total",
    help: "Tokens the upstream reported in response.done usage, by kind",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "relay_forward_seconds",
    help: "Time from receiving a message on one leg to handing it to the other",
    labelNames: ["direction"],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });

  /**
   * Switches of a conversation to a new upstream session (`rollover.ts`), by reason: `planned`
   * (before the session's expiry), `expired` (the upstream closed it with 1001 first) or
   * `dropped` (any other unexpected close).
   */
  readonly rollovers = new Counter({
    name: "relay_rollovers_total",
    help: "Switches of a conversation to a new upstream session, by reason",
    labelNames: ["reason"],
    registers: [this.registry],
  });
  /** From the start of a switch (or the drop) until the new session takes frames. */
  readonly rolloverSeconds = new Histogram({
    name: "relay_rollover_seconds",
    help: "Time from the start of a switch to the new upstream session taking frames",
    buckets: [
      0.005,
      0.01,
      0.02,
      0.03,
      0.05,
      0.075,
      0.1,
      0.15,
      0.2,
      0.3,
      0.5,
      0.75,
      1,
      1.5,
      2,
      3,
      5,
      10,
      30,
    ],
    registers: [this.registry],
  });
  /**
   * What became of each browser → upstream message of a conversation: `sent` at once,
   * `held` during a switch, then `released` to the new session or `dropped`.
   */
  readonly rolloverFrames = new Counter({
    name: "relay_rollover_frames_total",
    help: "Browser to upstream messages of conversations, by fate (sent, held, released, dropped)",
    labelNames: ["fate"],
    registers: [this.registry],
  });

  /** Bound children for the hot path. */
  readonly up = {
    frames: this.frames.labels("browser_to_upstream"),
    bytes: this.bytes.labels("browser_to_upstream"),
    latency: this.latency.labels("browser_to_upstream"),
  };
  readonly down = {
    frames: this.frames.labels("upstream_to_browser"),
    bytes: this.bytes.labels("upstream_to_browser"),
    latency: this.latency.labels("upstream_to_browser"),
  };

  readonly rolloverFrame: Readonly<Record<FrameFate, Counter.Internal>> = {
    sent: this.rolloverFrames.labels("sent"),
    held: this.rolloverFrames.labels("held"),
    released: this.rolloverFrames.labels("released"),
    dropped: this.rolloverFrames.labels("dropped"),
  };

  constructor() {
    for (const kind of TOKEN_KINDS) this.usageTokens.labels(kind).inc(0);
    for (const reason of ROLLOVER_REASONS) this.rollovers.labels(reason).inc(0);
    for (const fate of FRAME_FATES) this.rolloverFrame[fate].inc(0);
  }

  /** Counts an error event; `code` is mapped onto the fixed label set. */
  countError(source: "relay" | "upstream", code: unknown): void {
    this.errors.inc({ source, code: errorCodeLabel(code) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
