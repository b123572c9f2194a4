/**
 * What every route handler gets as `ctx.state`: the configuration and the server's services.
 *
 * @module
 */
import type { Config } from "./config.ts";
import type { Health } from "./health.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { SessionRegistry } from "./sessions.ts";
import type { TicketIssuer } from "./tickets.ts";
import type { UpstreamTarget } from "./upstream.ts";

export interface AppState {
  config: Readonly<Config>;
  logger: Logger;
  metrics: RelayMetrics;
  /** Parts that can degrade while the server still answers (`/healthz`). */
  health: Health;
  tickets: TicketIssuer;
  sessions: SessionRegistry;
  /** Where relay sessions connect; set once the server knows its own port. */
  upstream: UpstreamTarget;
  /** Built browser asset URLs by entry name (`client.js`, `capture_worklet.js`, …). */
  assets: Record<string, string>;
  /** The bearer the embedded emulator's clients present in local mode. */
  localKey: string;
}
