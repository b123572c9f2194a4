/**
 * What every route handler gets as `ctx.state`: the configuration and the server's services.
 *
 * @module
 */
import type { AccessCodes } from "./access.ts";
import type { ClientLimiter } from "./client_limits.ts";
import type { Config } from "./config.ts";
import type { PublicEmulator } from "./emulator/public.ts";
import type { Health } from "./health.ts";
import type { Logger } from "./log.ts";
import type { Redactor } from "./redact.ts";
import type { OriginPolicy } from "./origin.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { SessionRegistry } from "./sessions.ts";
import type { Store } from "./store/mod.ts";
import type { TicketIssuer } from "./tickets.ts";
import type { UpstreamTarget } from "./upstream.ts";

export interface AppState {
  config: Readonly<Config>;
  logger: Logger;
  /** Masks the configured secrets in text that leaves the server. */
  redactor: Redactor;
  metrics: RelayMetrics;
  /** Parts that can degrade while the server still answers (`/healthz`). */
  health: Health;
  /** The KV store every instance shares: used tickets, leases, budgets, usage. */
  store: Store;
  /** Signs tickets for a client; single use is checked in `store.ledger`. */
  tickets: TicketIssuer;
  /** `ACCESS_CODES`, the cookie a right one earns, and the tries per client. */
  access: AccessCodes;
  /** Tickets per client (`TICKET_RATE_PER_CLIENT`); null when `off`. */
  ticketLimiter: ClientLimiter | null;
  /** Browser origins allowed to get tickets and open the relay; set once the port is known. */
  origins: OriginPolicy;
  sessions: SessionRegistry;
  /** Where relay sessions connect (local mode: the emulator, in process). */
  upstream: UpstreamTarget;
  /** Built browser asset URLs by entry name (`client.js`, `capture_worklet.js`, …). */
  assets: Record<string, string>;
  /** `/v1/realtime` for outside GA clients; null unless `EMULATOR_PUBLIC=1`. */
  emulator: PublicEmulator | null;
}
