/**
 * The one store of a process: a Deno KV handle and everything kept in it (used tickets, session
 * leases, budgets, usage), its health for `/healthz`, and a timeout for every call made while
 * a request waits.
 *
 * Open one per process ({@linkcode Store.open}) or wrap a handle several app instances share
 * ({@linkcode Store.of}): two handles on one file in one process fail with "database is locked"
 * under contention, so instances in one process share a handle.
 *
 * Deno's KV Connect client retries a remote call for as long as the process lives, so a request
 * never waits on the store unbounded: {@linkcode Store.timed} gives up after `callTimeoutMs` with
 * a {@linkcode StoreUnavailableError}, which the routes answer with 503 and `retry-after`.
 *
 * @module
 */
import { withDeadline } from "../deadline.ts";
import { kvHealthy, openStore, type StoreHealth } from "./kv.ts";
import { TicketLedger } from "./tickets.ts";
import { LeaseStore } from "./leases.ts";
import { BudgetStore } from "./budgets.ts";
import { UsageStore } from "./usage.ts";

export type { StoreHealth };

/** Options of {@linkcode Store}. */
export interface StoreOptions {
  /**
   * Milliseconds a call made while a request waits may take ({@linkcode Store.timed}).
   * @default {3000}
   */
  callTimeoutMs?: number;
  /**
   * Milliseconds the health probe waits for a read.
   * @default {1000}
   */
  healthTimeoutMs?: number;
  /**
   * Milliseconds a health answer is reused.
   * @default {2000}
   */
  healthTtlMs?: number;
  /**
   * Minutes of session time per client per UTC day; null for no limit.
   * @default {60}
   */
  perClientMinutes?: number | null;
  /**
   * Minutes of session time for the service per UTC day; null for no limit.
   * @default {null}
   */
  totalMinutes?: number | null;
  /**
   * How long a session lease lives without a refresh, in milliseconds.
   * @default {60000}
   */
  leaseTtlMs?: number;
  /**
   * Clock, milliseconds since the epoch.
   * @default {Date.now}
   */
  now?: () => number;
}

/** Default of {@linkcode StoreOptions.callTimeoutMs}. */
export const DEFAULT_CALL_TIMEOUT_MS = 3000;
/** Default of {@linkcode StoreOptions.healthTimeoutMs}. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1000;
/** Default of {@linkcode StoreOptions.healthTtlMs}. */
export const DEFAULT_HEALTH_TTL_MS = 2000;

/** What a client is told when the store fails or does not answer in time. */
export const STORE_UNREACHABLE_MESSAGE = "the shared store is unreachable; try again shortly";

/** A store call failed or took longer than `callTimeoutMs`: refuse the new session with 503. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

/** The KV handle of a process and the stores on it. */
export class Store {
  readonly kv: Deno.Kv;
  readonly ledger: TicketLedger;
  readonly leases: LeaseStore;
  readonly budgets: BudgetStore;
  readonly usage: UsageStore;
  /** Milliseconds a call made while a request waits may take. */
  readonly callTimeoutMs: number;
  #owned: boolean;
  #healthTimeoutMs: number;
  #healthTtlMs: number;
  #health: { value: StoreHealth; at: number } | null = null;
  #probe: Promise<StoreHealth> | null = null;
  #closed = false;

  /**
   * Opens the store `kvPath` names (`KV_PATH`: null for Deno's default, `:memory:`, a file,
   * a denokv URL); {@linkcode Store.close} closes it.
   *
   * @throws {Error} when it cannot be opened (see `openStore`)
   */
  static async open(kvPath: string | null, options: StoreOptions = {}): Promise<Store> {
    return new Store(await openStore(kvPath), true, options);
  }

  /** Wraps a handle the caller owns: {@linkcode Store.close} leaves it open. */
  static of(kv: Deno.Kv, options: StoreOptions = {}): Store {
    return new Store(kv, false, options);
  }

  /**
   * Use {@linkcode Store.open} or {@linkcode Store.of}.
   *
   * @throws {RangeError} when a timeout is not a positive number, or a store option is bad
   */
  constructor(kv: Deno.Kv, owned: boolean, options: StoreOptions = {}) {
    const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    const healthTtlMs = options.healthTtlMs ?? DEFAULT_HEALTH_TTL_MS;
    for (const [name, value] of Object.entries({ callTimeoutMs, healthTimeoutMs, healthTtlMs })) {
      if (!(value > 0) || !Number.isFinite(value)) {
        throw new RangeError(`Cannot make the store: ${name} ${value} must be a number > 0`);
      }
    }
    const now = options.now ?? Date.now;
    this.kv = kv;
    this.#owned = owned;
    this.callTimeoutMs = callTimeoutMs;
    this.#healthTimeoutMs = healthTimeoutMs;
    this.#healthTtlMs = healthTtlMs;
    this.ledger = new TicketLedger(kv, { now });
    this.leases = new LeaseStore(kv, { now, ttlMs: options.leaseTtlMs });
    this.budgets = new BudgetStore(kv, {
      now,
      perClientMinutes: options.perClientMinutes,
      totalMinutes: options.totalMinutes,
    });
    this.usage = new UsageStore(kv, { now });
  }

  /**
   * Whether the store answers: a strong read within `healthTimeoutMs`, reused for
   * `healthTtlMs`; a call of {@linkcode Store.timed} that failed counts as degraded until then.
   */
  async health(): Promise<StoreHealth> {
    if (this.#closed) return "degraded";
    const cached = this.#health;
    if (cached !== null && performance.now() - cached.at < this.#healthTtlMs) return cached.value;
    this.#probe ??= kvHealthy(this.kv, this.#healthTimeoutMs).then((value) => {
      this.#health = { value, at: performance.now() };
      return value;
    }).finally(() => this.#probe = null);
    return await this.#probe;
  }

  /**
   * `call`'s result, or a {@linkcode StoreUnavailableError} when it fails or takes longer than
   * `callTimeoutMs` (the call itself may go on in the background; its result is dropped).
   * `action` says what was tried ("redeem the ticket").
   */
  async timed<T>(call: Promise<T>, action: string): Promise<T> {
    const ms = this.callTimeoutMs;
    try {
      return await withDeadline(
        call,
        ms,
        () =>
          new StoreUnavailableError(
            `Cannot ${action}: the KV store did not answer within ${ms} ms`,
          ),
      );
    } catch (error) {
      this.#health = { value: "degraded", at: performance.now() };
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(
        `Cannot ${action}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  /** Closes the handle when this store opened it; health is degraded from then on. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) this.kv.close();
  }
}

/**
 * The 503 a route answers when the store failed: `retry-after` and the clear message, as
 * `{"error": "Cannot <action>: the shared store is unreachable; …", "code": "store_unavailable"}`.
 */
export function storeUnavailableResponse(action: string, retryAfterSeconds = 2): Response {
  return Response.json({
    error: `Cannot ${action}: ${STORE_UNREACHABLE_MESSAGE}`,
    code: "store_unavailable",
    retryAfterSeconds,
  }, {
    status: 503,
    headers: { "retry-after": String(retryAfterSeconds), "cache-control": "no-store" },
  });
}
