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

/** Each metric's `# HELP` line at `/metrics`, by its name. */
const HELP = {
  relay_sessions_active: "Relay sessions open now",
  relay_sessions_total: "Relay sessions opened since start",
  relay_frames_total: "WebSocket messages relayed, by direction",
  relay_bytes_total: "Bytes of WebSocket messages relayed, by direction",
  relay_errors_total: "Error events, by code and by who raised them (relay or upstream)",
  relay_shed_total: "Messages dropped to keep memory bounded, by direction and reason",
  relay_rejected_connections_total: "Relay connections refused before the upgrade, by HTTP status",
  recording_failures:
    "Recordings that could not be opened or written (the session went on unrecorded)",
  relay_listener_restarts_total:
    "Times the HTTP listener failed (descriptors ran out) and was started again",
  relay_rate_limited_total: "Requests and messages refused or dropped by a rate limit, by kind",
  relay_usage_tokens_total: "Tokens the upstream reported in response.done usage, by kind",
  relay_forward_seconds: "Time from receiving a message on one leg to handing it to the other",
  relay_rollovers_total: "Switches of a conversation to a new upstream session, by reason",
  relay_rollover_seconds:
    "Time from the start of a switch to the new upstream session taking frames",
  relay_rollover_frames_total:
    "Browser to upstream messages of conversations, by fate (sent, held, released, dropped)",
} as const;

/** The name of one of the relay's metrics. */
type MetricName = keyof typeof HELP;

/** The buckets of `relay_forward_seconds`: 50 µs to 50 ms. */
const FORWARD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
/** The buckets of `relay_rollover_seconds`: 5 ms to 30 s. */
// deno-fmt-ignore
const ROLLOVER_BUCKETS = [
  0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30,
];

export class RelayMetrics {
  readonly registry = new Registry();
  readonly sessionsActive = new Gauge(this.#config("relay_sessions_active", []));
  readonly sessionsTotal = this.#counter("relay_sessions_total");
  readonly frames = this.#counter("relay_frames_total", "direction");
  readonly bytes = this.#counter("relay_bytes_total", "direction");
  readonly errors = this.#counter("relay_errors_total", "source", "code");
  readonly shed = this.#counter("relay_shed_total", "direction", "reason");
  readonly rejected = this.#counter("relay_rejected_connections_total", "status");
  readonly recordingFailures = this.#counter("recording_failures");
  readonly listenerRestarts = this.#counter("relay_listener_restarts_total");
  readonly rateLimited = this.#counter("relay_rate_limited_total", "kind");
  /** Every kind starts at 0, so that a dashboard sees each series from the first scrape. */
  readonly usageTokens = this.#counter("relay_usage_tokens_total", "kind");
  readonly latency = new Histogram({
    ...this.#config("relay_forward_seconds", ["direction"]),
    buckets: FORWARD_BUCKETS,
  });

  /**
   * Switches of a conversation to a new upstream session (`rollover.ts`), by reason: `planned`
   * (before the session's expiry), `expired` (the upstream closed it with 1001 first) or
   * `dropped` (any other unexpected close).
   */
  readonly rollovers = this.#counter("relay_rollovers_total", "reason");
  /** From the start of a switch (or the drop) until the new session takes frames. */
  readonly rolloverSeconds = new Histogram({
    ...this.#config("relay_rollover_seconds", []),
    buckets: ROLLOVER_BUCKETS,
  });
  /**
   * What became of each browser → upstream message of a conversation: `sent` at once,
   * `held` during a switch, then `released` to the new session or `dropped`.
   */
  readonly rolloverFrames = this.#counter("relay_rollover_frames_total", "fate");

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

  /** What every metric of this registry is made with: its name, help and label names. */
  #config<T extends string>(name: MetricName, labelNames: T[]) {
    return { name, help: HELP[name], labelNames, registers: [this.registry] };
  }

  /** A counter in this registry, with the labels `labelNames`. */
  #counter<T extends string = string>(name: MetricName, ...labelNames: T[]): Counter<T> {
    return new Counter(this.#config(name, labelNames));
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
