/**
 * What one relay session spends: its time against the day's budgets (`SessionBudget` on the
 * `BudgetStore`) and its tokens (`UsageMeter` into the `UsageStore` and `/metrics`).
 *
 * The relay owns one per session and never waits on it while it moves messages:
 *
 * - {@linkcode SessionAccounting.start} reads what is left (one KV round trip), while the
 *   upstream opens;
 * - {@linkcode SessionAccounting.tick}, on the relay's watchdog (at least once a second), says
 *   what to tell the browser: `{"type":"relay.budget","seconds_left":N}` once, two minutes
 *   before the end, and the exhaustion at zero (`relay_budget_exhausted`, close 4008). Every
 *   `flushIntervalMs` it writes the time spent and re-reads what is left, since the client's
 *   other sessions (on any instance) spend from the same budget;
 * - {@linkcode SessionAccounting.onResponseDone} adds a response's tokens, counts them in
 *   `relay_usage_tokens_total{kind}`, writes them (a turn end), and returns the `relay.usage`
 *   event for the browser;
 * - {@linkcode SessionAccounting.close} writes the rest.
 *
 * Writes run in the background, one at a time; a failed one is logged and what it carried is
 * kept for the next. Deno's KV Connect client retries a remote call for as long as the process
 * lives, so `start` and `close` wait at most `storeTimeoutMs`.
 *
 * @module
 */
import type { ErrorEvent } from "@/lib/shared/realtime/mod.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import { withDeadline } from "./deadline.ts";
import type { AppState } from "./state.ts";
import {
  LOCAL_PRICE_TABLE,
  type PriceTable,
  TOKEN_KINDS,
  type TokenCounts,
  zeroTokens,
} from "./prices.ts";
import { budgetExhausted } from "./relay_errors.ts";
import { SessionBudget } from "./session_budget.ts";
import { type BudgetLeft, type BudgetStore, nextUtcMidnight } from "./store/budgets.ts";
import type { UsageStore } from "./store/usage.ts";
import { UsageMeter } from "./usage_meter.ts";

/** The close code of a session whose budget ran out. */
export const BUDGET_CLOSE_CODE = 4008;
/** Default of {@linkcode SessionAccountingOptions.flushIntervalMs}. */
export const DEFAULT_FLUSH_INTERVAL_MS = 5000;
/** Default of {@linkcode SessionAccountingOptions.storeTimeoutMs}. */
export const DEFAULT_STORE_TIMEOUT_MS = 3000;

/** Options of {@linkcode SessionAccounting}. */
export interface SessionAccountingOptions {
  /** Whose budget and usage: `holder:<id>` (an access code's cookie) or `addr:<address>`. */
  client: string;
  budgets: BudgetStore;
  usage: UsageStore;
  /** Prices for the estimated cost of `relay.usage`. */
  priceTable: PriceTable;
  metrics: Pick<RelayMetrics, "usageTokens">;
  log: Logger;
  /**
   * Clock, milliseconds since the epoch (the budget resets at UTC midnight).
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * How often `tick` writes the time spent and re-reads what is left, in milliseconds.
   * @default {5000}
   */
  flushIntervalMs?: number;
  /**
   * How long `start` and `close` wait for the store, in milliseconds.
   * @default {3000}
   */
  storeTimeoutMs?: number;
}

/** What the relay tells the browser about the budget. */
export type BudgetNotice =
  | { type: "warn"; text: string }
  | { type: "exhausted"; error: ErrorEvent; reason: string };

/** `response.done`'s `usage` (anything: `UsageMeter` counts only sane numbers). */
export function usageOfResponseDone(event: Readonly<Record<string, unknown>>): unknown {
  const response = event.response;
  return typeof response === "object" && response !== null
    ? (response as { usage?: unknown }).usage
    : undefined;
}

/**
 * The accounting of relay session `sessionId` for `client`, on the app's store and price table
 * (what the relay route passes as `RelayOptions.accounting`).
 */
export function accountSession(
  state: Pick<AppState, "store" | "config" | "metrics" | "logger">,
  client: string,
  sessionId: string,
): SessionAccounting {
  return new SessionAccounting({
    client,
    budgets: state.store.budgets,
    usage: state.store.usage,
    // Local mode bills nothing: its usage is priced at zero, whatever PRICE_TABLE says.
    priceTable: state.config.upstream === "local" ? LOCAL_PRICE_TABLE : state.config.priceTable,
    metrics: state.metrics,
    log: state.logger.with({ session: sessionId, component: "accounting" }),
  });
}

/** One relay session's time and tokens, kept in the store without the relay waiting on it. */
export class SessionAccounting {
  #options: SessionAccountingOptions;
  #now: () => number;
  #flushIntervalMs: number;
  #storeTimeoutMs: number;
  #budget: SessionBudget;
  #meter: UsageMeter;
  #startedAt: number;
  #resetsAt: number | null = null;
  #lastFlush: number;
  #unflushedSeconds = 0;
  #unflushedTokens: TokenCounts = zeroTokens();
  #writing: Promise<void> | null = null;
  #writeAgain = false;
  #closing: Promise<void> | null = null;

  /**
   * @throws {RangeError} when `flushIntervalMs` or `storeTimeoutMs` is not a number > 0
   */
  constructor(options: SessionAccountingOptions) {
    const flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    const storeTimeoutMs = options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    for (const [name, value] of Object.entries({ flushIntervalMs, storeTimeoutMs })) {
      if (!(value > 0) || !Number.isFinite(value)) {
        throw new RangeError(`Cannot account for the session: ${name} ${value} must be > 0`);
      }
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#flushIntervalMs = flushIntervalMs;
    this.#storeTimeoutMs = storeTimeoutMs;
    const now = this.#now();
    // Unlimited until the store answers.
    this.#budget = new SessionBudget(null, now);
    this.#meter = new UsageMeter(options.priceTable);
    this.#startedAt = now;
    this.#lastFlush = now;
  }

  /**
   * Reads what the client has left. Never rejects: when the store fails or does not answer
   * in time, the session goes on and the next flush reads it again.
   */
  async start(): Promise<void> {
    const { budgets, client, log } = this.#options;
    const at = this.#now();
    try {
      this.#apply(await this.#timed(budgets.remaining(client), "read the budget"), at);
    } catch (error) {
      log.error("reading the budget failed; the session goes on and reads it again later", {
        error: errorText(error),
      });
    }
  }

  /** Seconds the session may still use at `now`, or null when unlimited (or not read yet). */
  secondsLeft(now: number): number | null {
    return this.#budget.secondsLeft(now);
  }

  /**
   * What is due at `now` (the relay's watchdog): the warning, the exhaustion (each once), or
   * null; every `flushIntervalMs`, a flush in the background.
   */
  tick(now: number): BudgetNotice | null {
    if (this.#closing) return null;
    if (now - this.#lastFlush >= this.#flushIntervalMs) this.#flush(now);
    const due = this.#budget.tick(now);
    if (due === null) return null;
    if (due.type === "warn") {
      return {
        type: "warn",
        text: JSON.stringify({ type: "relay.budget", seconds_left: due.secondsLeft }),
      };
    }
    this.#options.log.info("the budget ran out; ending the session");
    return { type: "exhausted", ...budgetExhausted(this.#resetsAt ?? nextUtcMidnight(now), now) };
  }

  /**
   * Adds a response's usage (`response.done`'s `usage`), counts it in `/metrics`, flushes in
   * the background (a turn end), and returns the `relay.usage` event text for the browser.
   */
  onResponseDone(usage: unknown, now: number = this.#now()): string {
    const tokens = this.#meter.add(usage);
    for (const kind of TOKEN_KINDS) {
      if (tokens[kind] > 0) this.#options.metrics.usageTokens.inc({ kind }, tokens[kind]);
    }
    if (!this.#closing) this.#flush(now);
    return this.#meter.event((now - this.#startedAt) / 1000);
  }

  /** The session's token totals so far. */
  get totals(): Readonly<TokenCounts> {
    return this.#meter.totals;
  }

  /**
   * Writes what is left to write; settles when it is written, or after `storeTimeoutMs` (what
   * did not make it is logged). Never rejects; later calls return the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  /** Settles when no write is running or due (the ones queued meanwhile included). */
  async settled(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #finish(): Promise<void> {
    this.#flush(this.#now());
    try {
      await this.#timed(this.settled(), "write the session's time and tokens");
    } catch (error) {
      this.#options.log.error("the session's last time and tokens were not written", {
        error: errorText(error),
        seconds: Math.round(this.#unflushedSeconds),
      });
    }
  }

  /** Takes what was spent until `now`, and writes it unless a write is running (then after). */
  #flush(now: number): void {
    this.#lastFlush = now;
    this.#unflushedSeconds += this.#budget.takeSpent(now);
    addTokens(this.#unflushedTokens, this.#meter.takeUnflushed());
    if (this.#writing) {
      this.#writeAgain = true;
      return;
    }
    this.#writing = this.#write(now).finally(() => {
      this.#writing = null;
      if (this.#writeAgain) {
        this.#writeAgain = false;
        this.#flush(this.#now());
      }
    });
  }

  /**
   * Writes the time and tokens taken at `at`, then (the time written) re-reads what is left:
   * the store then counts everything this session spent until `at`.
   */
  async #write(at: number): Promise<void> {
    const { budgets, usage, client, log } = this.#options;
    const seconds = this.#unflushedSeconds;
    const tokens = this.#unflushedTokens;
    this.#unflushedSeconds = 0;
    this.#unflushedTokens = zeroTokens();
    const [spent, added] = await Promise.allSettled([
      budgets.spend(client, seconds),
      usage.add(client, tokens),
    ]);
    if (added.status === "rejected") {
      addTokens(this.#unflushedTokens, tokens);
      log.warn("writing token usage failed; kept for the next flush", {
        error: errorText(added.reason),
      });
    }
    if (spent.status === "rejected") {
      this.#unflushedSeconds += seconds;
      log.warn("writing the time spent failed; kept for the next flush", {
        error: errorText(spent.reason),
        seconds: Math.round(this.#unflushedSeconds),
      });
      return;
    }
    if (this.#closing) return;
    try {
      this.#apply(await budgets.remaining(client), at);
    } catch (error) {
      log.warn("re-reading the budget failed; the last reading stands", {
        error: errorText(error),
      });
    }
  }

  #apply(left: BudgetLeft, at: number): void {
    this.#budget.update(left.seconds, at);
    this.#resetsAt = left.resetsAt;
  }

  /** `call`, or a rejection after `storeTimeoutMs` (the call goes on; its result is dropped). */
  #timed<T>(call: Promise<T>, action: string): Promise<T> {
    const ms = this.#storeTimeoutMs;
    return withDeadline(
      call,
      ms,
      () => new Error(`Cannot ${action}: the KV store did not answer within ${ms} ms`),
    );
  }
}

function addTokens(into: TokenCounts, tokens: Readonly<TokenCounts>): void {
  for (const kind of TOKEN_KINDS) into[kind] += tokens[kind];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
