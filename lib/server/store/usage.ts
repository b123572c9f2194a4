/**
 * Token usage in Deno KV, per client and UTC day, by kind (`TOKEN_KINDS`: input text, audio
 * and cached, output text and audio), and the service's total per day: what each person's
 * sessions cost, across instances and restarts.
 *
 * Keys: `["usage", day, "client", client, kind]` and `["usage", day, "total", kind]`, each a
 * `Deno.KvU64` that {@linkcode UsageStore.add} increases with `sum` (no conflicts, however many
 * sessions report at once; the relay adds at turn ends, never per message). The keys do not
 * expire (KV's `sum` drops an expiry): they are the cost history, a few hundred bytes per
 * client and day.
 *
 * @module
 */
import { checkClient, storeFailed } from "./_checks.ts";
import { TOKEN_KINDS, type TokenCounts, type TokenKind, zeroTokens } from "../prices.ts";
import { utcDay } from "./budgets.ts";

/** What to do when the store fails here. */
const STORE_FAILED_NEXT = "keep the counts and add them again later";

/** Options of {@linkcode UsageStore}. */
export interface UsageStoreOptions {
  /**
   * Clock, milliseconds since the epoch (picks the UTC day).
   * @default {Date.now}
   */
  now?: () => number;
}

/** Where usage lives: `["usage", day, …]`. */
export const USAGE_PREFIX: Deno.KvKey = ["usage"];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Tokens used per client and day, and by the service, on one KV store. */
export class UsageStore {
  #kv: Deno.Kv;
  #now: () => number;

  constructor(kv: Deno.Kv, options: UsageStoreOptions = {}) {
    this.#kv = kv;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Adds `tokens` (kinds left out count 0) to `client`'s totals and the service's for today,
   * in one atomic commit.
   *
   * @throws {TypeError} when `client` is empty or too long, or a kind is not one of TOKEN_KINDS
   * @throws {RangeError} when a count is not an integer >= 0
   * @throws {Error} when the store fails ("Cannot add token usage: …")
   */
  async add(client: string, tokens: Partial<TokenCounts>): Promise<void> {
    checkClient(client, "add token usage");
    const counts: [TokenKind, bigint][] = [];
    for (const [kind, count] of Object.entries(tokens)) {
      if (!(TOKEN_KINDS as readonly string[]).includes(kind)) {
        throw new TypeError(
          `Cannot add token usage: "${kind}" is not a token kind; use ${TOKEN_KINDS.join(", ")}`,
        );
      }
      if (count === undefined) continue;
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new RangeError(
          `Cannot add token usage: ${kind} ${count} is not a whole number of tokens >= 0`,
        );
      }
      if (count > 0) counts.push([kind as TokenKind, BigInt(count)]);
    }
    if (counts.length === 0) return;
    const day = utcDay(this.#now());
    const op = this.#kv.atomic();
    for (const [kind, count] of counts) {
      op.sum(clientKey(day, client, kind), count).sum(totalKey(day, kind), count);
    }
    try {
      await op.commit();
    } catch (error) {
      throw storeFailed("add token usage", error, STORE_FAILED_NEXT);
    }
  }

  /**
   * `client`'s tokens by kind on `day` (`YYYY-MM-DD`, UTC; today by default).
   *
   * @throws {TypeError} when `client` or `day` is malformed
   * @throws {Error} when the store fails
   */
  totals(client: string, day?: string): Promise<TokenCounts> {
    checkClient(client, "read token usage");
    const d = this.#day(day);
    return this.#read(TOKEN_KINDS.map((kind) => clientKey(d, client, kind)));
  }

  /**
   * The whole service's tokens by kind on `day` (UTC; today by default).
   *
   * @throws {TypeError} when `day` is malformed
   * @throws {Error} when the store fails
   */
  serviceTotals(day?: string): Promise<TokenCounts> {
    const d = this.#day(day);
    return this.#read(TOKEN_KINDS.map((kind) => totalKey(d, kind)));
  }

  #day(day: string | undefined): string {
    if (day === undefined) return utcDay(this.#now());
    if (typeof day !== "string" || !DAY.test(day)) {
      throw new TypeError(`Cannot read token usage: day ${day} is not a UTC date, YYYY-MM-DD`);
    }
    return day;
  }

  async #read(keys: Deno.KvKey[]): Promise<TokenCounts> {
    let entries: Deno.KvEntryMaybe<Deno.KvU64>[];
    try {
      entries = await this.#kv.getMany<Deno.KvU64[]>(keys);
    } catch (error) {
      throw storeFailed("read token usage", error, STORE_FAILED_NEXT);
    }
    const totals = zeroTokens();
    TOKEN_KINDS.forEach((kind, i) => {
      const value = entries[i].value;
      if (value instanceof Deno.KvU64) totals[kind] = Number(value.value);
    });
    return totals;
  }
}

function clientKey(day: string, client: string, kind: TokenKind): Deno.KvKey {
  return [...USAGE_PREFIX, day, "client", client, kind];
}

function totalKey(day: string, kind: TokenKind): Deno.KvKey {
  return [...USAGE_PREFIX, day, "total", kind];
}
