/**
 * The live relay sessions: the per-process cap (`MAX_SESSIONS`, in this process's memory, sized
 * well under the descriptor limit: each session holds a browser socket, an upstream socket and,
 * when recording, two files), the per-client cap (`MAX_SESSIONS_PER_CLIENT`, as leases in the
 * KV store, so it counts a client's sessions on every instance), and a graceful shutdown that
 * closes every session with a reason and waits for recordings to finish.
 *
 * A process slot is taken by {@linkcode SessionRegistry.reserve} and a client lease by
 * {@linkcode SessionRegistry.lease} before the upgrade, so the caps hold for sessions still
 * opening. Every live session's lease is refreshed on one interval (a third of the lease's
 * lifetime) and released when the session is done; a lease that cannot be refreshed (the store
 * is down) is logged and the session goes on: its slot frees by itself when the lease lapses.
 *
 * One client's lease calls from this process run one at a time: they all write the client's
 * one key, so running them together would only make them retry against each other (a load
 * test opening 200 sessions from one address would exhaust the store's retries).
 *
 * @module
 */
import type { RelaySession } from "./relay.ts";
import type { Lease, LeaseStore } from "./store/leases.ts";

/** Runs a store call with a timeout (`Store.timed`). */
export type TimedCall = <T>(call: Promise<T>, action: string) => Promise<T>;

/** Options of {@linkcode SessionRegistry}. */
export interface SessionRegistryOptions {
  /** The per-client leases, on the store every instance shares. */
  leases: LeaseStore;
  /**
   * Concurrent sessions one client may hold, on all instances together.
   * @default {4}
   */
  maxPerClient?: number;
  /**
   * Concurrent sessions in this process, all clients together.
   * @default {300}
   */
  maxSessions?: number;
  /**
   * Bounds each store call (`Store.timed`); a call that fails or is late throws.
   * @default {the call as it is}
   */
  timed?: TimedCall;
  /**
   * Told when a lease could not be refreshed or released, or lapsed (for the log).
   * @default {nothing}
   */
  onLeaseProblem?: (message: string, fields: Record<string, unknown>) => void;
}

interface Tracked {
  session: RelaySession;
  lease: Lease;
}

export class SessionRegistry {
  #sessions = new Map<string, Tracked>();
  #reserved = 0;
  /** `MAX_SESSIONS_PER_CLIENT`: sessions one client may hold on all instances. */
  readonly maxPerClient: number;
  /** `MAX_SESSIONS`: slots this process gives out at most. */
  readonly maxSessions: number;
  #closing = false;
  #leases: LeaseStore;
  #timed: TimedCall;
  #onLeaseProblem: (message: string, fields: Record<string, unknown>) => void;
  #refreshTimer: ReturnType<typeof setInterval> | null = null;
  #refreshing = false;
  /** Lease releases still running (shutdown waits for them before the store closes). */
  #releasing = new Set<Promise<void>>();
  /** Per client, the end of its queue of lease calls. */
  #queues = new Map<string, Promise<void>>();

  /** @throws {RangeError} when a limit is not a positive integer */
  constructor(options: SessionRegistryOptions) {
    const { maxPerClient = 4, maxSessions = 300 } = options;
    for (const [name, value] of Object.entries({ maxPerClient, maxSessions })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(
          `Cannot create the session registry: ${name} must be a positive integer, got ${value}`,
        );
      }
    }
    this.maxPerClient = maxPerClient;
    this.maxSessions = maxSessions;
    this.#leases = options.leases;
    this.#timed = options.timed ?? ((call) => call);
    this.#onLeaseProblem = options.onLeaseProblem ?? (() => {});
  }

  /** Sessions tracked now (upgraded). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Process slots taken now: tracked sessions plus the ones reserved and still opening. */
  get reserved(): number {
    return this.#reserved;
  }

  /** True once shutdown began: new connections are refused. */
  get closing(): boolean {
    return this.#closing;
  }

  /** True when every slot of the process is taken: the next reserve is refused. */
  get full(): boolean {
    return this.#reserved >= this.maxSessions;
  }

  /** Reserves a process slot; false when the process is {@linkcode full} or closing. */
  reserve(): boolean {
    if (this.full || this.#closing) return false;
    this.#reserved++;
    return true;
  }

  /** Gives back a slot taken by {@linkcode reserve} whose session never started. */
  release(): void {
    if (this.#reserved > 0) this.#reserved--;
  }

  /**
   * One of `client`'s session slots, shared with every instance, for `sessionId`; null when
   * the client holds `maxPerClient` sessions already.
   *
   * @throws {Error} when the store fails or does not answer in time (refuse with 503)
   */
  async lease(client: string, sessionId: string): Promise<Lease | null> {
    return await this.#timed(
      this.#serial(client, () => this.#leases.acquire(client, sessionId, this.maxPerClient)),
      "acquire a session lease",
    );
  }

  /**
   * Tracks `session` (whose process slot was reserved and whose `lease` was acquired) until it
   * is done, refreshing the lease meanwhile; then frees the slot and releases the lease.
   */
  add(session: RelaySession, lease: Lease): void {
    this.#sessions.set(session.id, { session, lease });
    this.#startRefreshing();
    session.done.finally(() => {
      this.#sessions.delete(session.id);
      this.release();
      if (this.#sessions.size === 0) this.#stopRefreshing();
      const releasing = this.#timed(
        this.#serial(lease.client, () => lease.release()),
        "release a session lease",
      ).catch(
        (error: unknown) => {
          this.#onLeaseProblem("session lease not released; it lapses by itself", {
            session: session.id,
            error: error instanceof Error ? error.message : String(error),
          });
        },
      );
      this.#releasing.add(releasing);
      releasing.finally(() => this.#releasing.delete(releasing));
    });
  }

  /** Refreshes every live session's lease once (the interval calls it; tests may too). */
  async refreshLeases(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    try {
      await Promise.all([...this.#sessions.values()].map(async ({ session, lease }) => {
        try {
          const kept = await this.#timed(
            this.#serial(lease.client, () => lease.refresh()),
            "refresh a session lease",
          );
          if (!kept && !lease.released) {
            this.#onLeaseProblem("session lease lapsed; the session goes on", {
              session: session.id,
            });
          }
        } catch (error) {
          this.#onLeaseProblem("session lease not refreshed; the session goes on", {
            session: session.id,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }));
    } finally {
      this.#refreshing = false;
    }
  }

  /**
   * Refuses new sessions, closes the open ones with `reason`, and waits for them and for their
   * leases to be released.
   */
  async shutdown(reason: string): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#sessions.values()].map(({ session }) => session.shutdown(reason)));
    this.#stopRefreshing();
    // Releases start when `done` settles; let those callbacks run, then wait for them.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await Promise.all(this.#releasing);
  }

  /** Runs `call` after every earlier lease call of `client` from this process has settled. */
  #serial<T>(client: string, call: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(client) ?? Promise.resolve();
    const result = previous.then(call);
    const tail = result.then(() => {}, () => {});
    this.#queues.set(client, tail);
    tail.then(() => {
      if (this.#queues.get(client) === tail) this.#queues.delete(client);
    });
    return result;
  }

  #startRefreshing(): void {
    if (this.#refreshTimer !== null) return;
    this.#refreshTimer = setInterval(() => {
      this.refreshLeases();
    }, Math.max(1, this.#leases.refreshIntervalMs));
  }

  #stopRefreshing(): void {
    if (this.#refreshTimer === null) return;
    clearInterval(this.#refreshTimer);
    this.#refreshTimer = null;
  }
}
