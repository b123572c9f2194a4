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

export type Direction = "browser_to_upstream" | "upstream_to_browser";

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
  readonly latency = new Histogram({
    name: "relay_forward_seconds",
    help: "Time from receiving a message on one leg to handing it to the other",
    labelNames: ["direction"],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
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

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
