/**
 * Daily budgets of session time in Deno KV (`DAILY_MINUTES_PER_CLIENT`,
 * `DAILY_MINUTES_TOTAL`): per client and for the whole service, per UTC day, shared by every
 * instance on the store and kept across restarts.
 *
 * Time is counted in milliseconds, as `Deno.KvU64`, under one key per day:
 * `["budget", day, "client", client]` and `["budget", day, "total"]` (`day` is `YYYY-MM-DD`,
 * UTC). {@linkcode BudgetStore.spend} adds to both in one atomic commit:
 *
 * - the service's counter with `sum`, which never conflicts: every session on every instance
 *   adds to it, and a checked write there would retry under load;
 * - the client's counter with a versionstamp-checked `set`, retried from a fresh read when the
 *   client's other session wrote in between, because KV's `sum` drops a key's expiry (measured
 *   on Deno 2.9.6: a key written with `expireIn` and then summed never expired) and there is a
 *   client key per client per day. It expires two days after its last write.
 *
 * The service's counter (one key a day) is deleted by the first spends two days later.
 *
 * Time is spent when the caller reports it (the relay: at turn ends and every few seconds), and
 * goes to the UTC day of the report.
 *
 * @module
 */
import { checkClient, storeFailed } from "./_checks.ts";

/** What to do when the store fails here. */
const STORE_FAILED_NEXT = "refuse new sessions until it answers";

/** Options of {@linkcode BudgetStore}. */
export interface BudgetStoreOptions {
  /**
   * Minutes of session time per client per UTC day (`DAILY_MINUTES_PER_CLIENT`); null for no
   * limit.
   * @default {60}
   */
  perClientMinutes?: number | null;
  /**
   * Minutes of session time for the whole service per UTC day (`DAILY_MINUTES_TOTAL`); null
   * for no limit.
   * @default {null}
   */
  totalMinutes?: number | null;
  /**
   * Clock, milliseconds since the epoch.
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Read-change-write rounds tried on a client's counter before giving up.
   * @default {32}
   */
  maxAttempts?: number;
}

/** What is left of today's budgets. */
export interface BudgetLeft {
  /** Seconds the client has left today; null when clients have no limit. */
  client: number | null;
  /** Seconds the service has left today; null when the service has no limit. */
  total: number | null;
  /** The lesser of the two (what a session may still use); null when neither has a limit. */
  seconds: number | null;
  /** When the UTC day ends and both budgets start afresh, milliseconds since the epoch. */
  resetsAt: number;
}

/** Default of {@linkcode BudgetStoreOptions.perClientMinutes}. */
export const DEFAULT_DAILY_MINUTES_PER_CLIENT = 60;

/** Where budgets live: `["budget", day, …]`. */
export const BUDGET_PREFIX: Deno.KvKey = ["budget"];

/** How long a client's counter outlives its last write. */
export const BUDGET_KEY_LIFETIME_MS = 2 * 86_400_000;

const DAY_MS = 86_400_000;
const DEFAULT_ATTEMPTS = 32;

/** Daily session-time budgets per client and for the service, on one KV store. */
export class BudgetStore {
  /** Seconds per client per day, or null. */
  readonly perClientSeconds: number | null;
  /** Seconds for the service per day, or null. */
  readonly totalSeconds: number | null;
  #kv: Deno.Kv;
  #now: () => number;
  #maxAttempts: number;

  /**
   * @throws {RangeError} when a limit is not a number of minutes > 0 (or null), or
   *   `maxAttempts` is not an integer >= 1
   */
  constructor(kv: Deno.Kv, options: BudgetStoreOptions = {}) {
    const perClient = options.perClientMinutes === undefined
      ? DEFAULT_DAILY_MINUTES_PER_CLIENT
      : options.perClientMinutes;
    const total = options.totalMinutes ?? null;
    for (const [name, minutes] of [["perClientMinutes", perClient], ["totalMinutes", total]]) {
      if (minutes !== null && !(Number(minutes) > 0 && Number.isFinite(minutes))) {
        throw new RangeError(
          `Cannot make a budget store: ${name} ${minutes} must be a number of minutes > 0, or null`,
        );
      }
    }
    const maxAttempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(
        `Cannot make a budget store: maxAttempts ${maxAttempts} must be an integer >= 1`,
      );
    }
    this.perClientSeconds = perClient === null ? null : perClient * 60;
    this.totalSeconds = total === null ? null : total * 60;
    this.#kv = kv;
    this.#now = options.now ?? Date.now;
    this.#maxAttempts = maxAttempts;
  }

  /**
   * What `client` and the service have left today, and when that resets.
   *
   * @throws {TypeError} when `client` is empty or too long
   * @throws {Error} when the store fails ("Cannot read the budget: …")
   */
  async remaining(client: string): Promise<BudgetLeft> {
    checkClient(client, "read the budget");
    const now = this.#now();
    const day = utcDay(now);
    let entries: Deno.KvEntryMaybe<Deno.KvU64>[];
    try {
      entries = await this.#kv.getMany<Deno.KvU64[]>([clientKey(day, client), totalKey(day)]);
    } catch (error) {
      throw storeFailed("read the budget", error, STORE_FAILED_NEXT);
    }
    const forClient = left(this.perClientSeconds, entries[0].value);
    const total = left(this.totalSeconds, entries[1].value);
    const seconds = forClient === null
      ? total
      : total === null
      ? forClient
      : Math.min(forClient, total);
    return { client: forClient, total, seconds, resetsAt: nextUtcMidnight(now) };
  }

  /**
   * Adds `seconds` of session time to `client`'s and the service's counters for today, in one
   * atomic commit.
   *
   * @throws {TypeError} when `client` is empty or too long
   * @throws {RangeError} when `seconds` is not a finite number >= 0
   * @throws {Error} when the store fails or the client's counter stays contended
   */
  async spend(client: string, seconds: number): Promise<void> {
    checkClient(client, "spend from the budget");
    if (!(seconds >= 0) || !Number.isFinite(seconds)) {
      throw new RangeError(
        `Cannot spend from the budget: ${seconds} is not a number of seconds >= 0`,
      );
    }
    const ms = BigInt(Math.round(seconds * 1000));
    if (ms === 0n) return;
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const now = this.#now();
      const day = utcDay(now);
      const key = clientKey(day, client);
      let committed: boolean;
      try {
        const entry = await this.#kv.get<Deno.KvU64>(key);
        const spent = entry.value instanceof Deno.KvU64 ? entry.value.value : 0n;
        committed = (await this.#kv.atomic()
          .check(entry)
          .set(key, new Deno.KvU64(spent + ms), { expireIn: BUDGET_KEY_LIFETIME_MS })
          .sum(totalKey(day), ms)
          .delete(totalKey(utcDay(now - 2 * DAY_MS)))
          .commit()).ok;
      } catch (error) {
        throw storeFailed("spend from the budget", error, STORE_FAILED_NEXT);
      }
      if (committed) return;
    }
    throw new Error(
      `Cannot spend from the budget: the client's counter changed under ${this.#maxAttempts} attempts in a row; spend it again with the next report`,
    );
  }
}

/** `YYYY-MM-DD` of `ms` in UTC. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The start of the UTC day after the one `ms` falls in. */
export function nextUtcMidnight(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 1) * DAY_MS;
}

function clientKey(day: string, client: string): Deno.KvKey {
  return [...BUDGET_PREFIX, day, "client", client];
}

function totalKey(day: string): Deno.KvKey {
  return [...BUDGET_PREFIX, day, "total"];
}

/** Seconds left of `limitSeconds` after `spent` milliseconds; null without a limit. */
function left(limitSeconds: number | null, spent: Deno.KvU64 | null): number | null {
  if (limitSeconds === null) return null;
  const spentSeconds = spent instanceof Deno.KvU64 ? Number(spent.value) / 1000 : 0;
  return Math.max(0, limitSeconds - spentSeconds);
}
