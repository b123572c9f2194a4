/**
 * Per-client session leases in Deno KV, so `MAX_SESSIONS_PER_CLIENT` counts a client's
 * sessions on every instance sharing the store, not per instance.
 *
 * One key per client (`["leases", client]`) holds the client's session ids, each with its
 * expiry. Acquiring, refreshing and releasing read that key, change the list, and write it
 * back under a versionstamp check, retrying from a fresh read when another instance wrote in
 * between (a bounded loop: each round one writer wins, so N concurrent writers settle in at
 * most N rounds). Entries past their expiry count for nothing and are dropped by the next
 * write; the key itself expires a while after its last entry.
 *
 * A lease lives `ttlMs` (default 60 s) unless refreshed: the relay calls `lease.refresh()`
 * every `ttlMs / 3` ({@linkcode LeaseStore.refreshIntervalMs}) while the session lives and
 * `lease.release()` when it ends, so the slots of an instance that crashed free within
 * `ttlMs`. The store runs no timers; refreshing is the caller's.
 *
 * Expiries are wall-clock times (`Date.now`) written by whichever instance acquired or
 * refreshed, so instances' clocks must agree to well within `ttlMs`.
 *
 * @module
 */
import { checkClient } from "./_checks.ts";

/** Options of {@linkcode LeaseStore}. */
export interface LeaseStoreOptions {
  /**
   * How long a lease lives without a refresh.
   * @default {60000}
   */
  ttlMs?: number;
  /**
   * Clock, milliseconds since the epoch (shared by the instances).
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Read-change-write rounds tried before giving up on a contended client key.
   * @default {32}
   */
  maxAttempts?: number;
}

/** Default of {@linkcode LeaseStoreOptions.ttlMs}. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** Default of {@linkcode LeaseStoreOptions.maxAttempts}. */
export const DEFAULT_LEASE_ATTEMPTS = 32;

/** Where leases live: `["leases", client]`. */
export const LEASES_PREFIX: Deno.KvKey = ["leases"];

const MAX_SESSION_ID_LENGTH = 256;

/** A client's holders as stored: `[sessionId, expiresAtMs]` pairs. */
type Stored = [string, number][];

interface Settings {
  kv: Deno.Kv;
  ttlMs: number;
  now: () => number;
  maxAttempts: number;
}

/** Session leases per client, shared by every instance on one KV store. */
export class LeaseStore {
  /** How long a lease lives without a refresh. */
  readonly ttlMs: number;
  #settings: Settings;

  /** @throws {RangeError} when `ttlMs` or `maxAttempts` is not a positive integer */
  constructor(kv: Deno.Kv, options: LeaseStoreOptions = {}) {
    const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    const maxAttempts = options.maxAttempts ?? DEFAULT_LEASE_ATTEMPTS;
    if (!Number.isInteger(ttlMs) || ttlMs < 1) {
      throw new RangeError(`Cannot make a lease store: ttlMs ${ttlMs} must be an integer >= 1`);
    }
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(
        `Cannot make a lease store: maxAttempts ${maxAttempts} must be an integer >= 1`,
      );
    }
    this.ttlMs = ttlMs;
    this.#settings = { kv, ttlMs, now: options.now ?? Date.now, maxAttempts };
  }

  /** How often a live session should call {@linkcode Lease.refresh}: a third of `ttlMs`. */
  get refreshIntervalMs(): number {
    return Math.floor(this.ttlMs / 3);
  }

  /**
   * A lease on one of `client`'s `max` session slots for `sessionId`, or null when the client
   * holds `max` live ones already. Acquiring a session id the client holds renews it.
   *
   * @throws {TypeError} when `client` or `sessionId` is empty or too long
   * @throws {RangeError} when `max` is not an integer >= 1
   * @throws {Error} when the store fails or stays contended ("Cannot acquire a session lease: …")
   */
  async acquire(client: string, sessionId: string, max: number): Promise<Lease | null> {
    checkClient(client, "acquire a session lease");
    checkSessionId(sessionId, "acquire a session lease");
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot acquire a session lease: max ${max} must be an integer of at least 1`,
      );
    }
    const settings = this.#settings;
    const expiresAt = await update(settings, client, "acquire a session lease", (live, now) => {
      if (!live.has(sessionId) && live.size >= max) return { result: null, changed: false };
      const expiresAt = now + settings.ttlMs;
      live.set(sessionId, expiresAt);
      return { result: expiresAt, changed: true };
    });
    return expiresAt === null ? null : new Lease(settings, client, sessionId, expiresAt);
  }

  /**
   * How many live leases `client` holds.
   *
   * @throws {Error} when the store fails
   */
  async count(client: string): Promise<number> {
    checkClient(client, "count session leases");
    const entry = await this.#settings.kv.get<Stored>(leaseKey(client));
    return liveHolders(entry.value, this.#settings.now()).size;
  }
}

/** One session's slot; refresh it every {@linkcode LeaseStore.refreshIntervalMs}. */
export class Lease implements AsyncDisposable {
  readonly client: string;
  readonly sessionId: string;
  #settings: Settings;
  #expiresAt: number;
  #released = false;

  /** Made by {@linkcode LeaseStore.acquire}. */
  constructor(settings: Settings, client: string, sessionId: string, expiresAt: number) {
    this.#settings = settings;
    this.client = client;
    this.sessionId = sessionId;
    this.#expiresAt = expiresAt;
  }

  /** When the lease lapses unless refreshed, milliseconds since the epoch. */
  get expiresAt(): number {
    return this.#expiresAt;
  }

  /** Whether {@linkcode Lease.release} was called. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * Extends the lease by `ttlMs` from now. False when it is gone: released, or lapsed (then
   * its slot may be someone else's, and the session should end or acquire again).
   *
   * @throws {Error} when the store fails or stays contended
   */
  async refresh(): Promise<boolean> {
    if (this.#released) return false;
    const { ttlMs } = this.#settings;
    const expiresAt = await update(
      this.#settings,
      this.client,
      "refresh a session lease",
      (live, now) => {
        if (!live.has(this.sessionId)) return { result: null, changed: false };
        live.set(this.sessionId, now + ttlMs);
        return { result: now + ttlMs, changed: true };
      },
    );
    if (expiresAt === null) return false;
    this.#expiresAt = expiresAt;
    return true;
  }

  /**
   * Frees the slot. Calling it again does nothing.
   *
   * @throws {Error} when the store fails or stays contended (the slot then frees when the
   *   lease lapses)
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await update(this.#settings, this.client, "release a session lease", (live) => {
      return { result: undefined, changed: live.delete(this.sessionId) };
    });
  }

  /** Releases the lease (`await using lease = …`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

function leaseKey(client: string): Deno.KvKey {
  return [...LEASES_PREFIX, client];
}

function checkSessionId(sessionId: string, action: string): void {
  if (
    typeof sessionId !== "string" || sessionId.length === 0 ||
    sessionId.length > MAX_SESSION_ID_LENGTH
  ) {
    throw new TypeError(
      `Cannot ${action}: the session id must be a string of 1 to ${MAX_SESSION_ID_LENGTH} characters`,
    );
  }
}

/** The holders of a stored value whose leases have not lapsed at `now`. */
function liveHolders(stored: Stored | null, now: number): Map<string, number> {
  const live = new Map<string, number>();
  if (!Array.isArray(stored)) return live;
  for (const pair of stored) {
    if (Array.isArray(pair) && typeof pair[0] === "string" && pair[1] > now) {
      live.set(pair[0], pair[1]);
    }
  }
  return live;
}

/**
 * Reads `client`'s holders, lets `change` edit the live ones, and writes them back under a
 * versionstamp check, from a fresh read each time another writer came first. No write when
 * nothing changed and nothing lapsed.
 */
async function update<T>(
  settings: Settings,
  client: string,
  action: string,
  change: (live: Map<string, number>, now: number) => { result: T; changed: boolean },
): Promise<T> {
  const { kv, ttlMs, maxAttempts } = settings;
  const key = leaseKey(client);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    let committed: boolean;
    let result: T;
    try {
      const entry = await kv.get<Stored>(key);
      const now = settings.now();
      const live = liveHolders(entry.value, now);
      const lapsed = Array.isArray(entry.value) && entry.value.length !== live.size;
      const outcome = change(live, now);
      result = outcome.result;
      if (!outcome.changed && !lapsed) return result;
      const op = kv.atomic().check(entry);
      if (live.size === 0) {
        op.delete(key);
      } else {
        const last = Math.max(...live.values());
        // The key outlives its last entry by a ttl: lapsed entries are filtered anyway.
        op.set(key, [...live] satisfies Stored, { expireIn: Math.max(1, last - now + ttlMs) });
      }
      committed = (await op.commit()).ok;
    } catch (error) {
      throw new Error(
        `Cannot ${action}: the KV store failed (${
          error instanceof Error ? error.message : String(error)
        }); refuse the session and let the client retry`,
        { cause: error },
      );
    }
    if (committed) return result;
  }
  throw new Error(
    `Cannot ${action}: the client's leases changed under ${maxAttempts} attempts in a row; retry`,
  );
}
