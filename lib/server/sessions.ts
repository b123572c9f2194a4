/**
 * The live relay sessions: the per-client cap (`MAX_SESSIONS_PER_CLIENT`), the per-process cap
 * (`MAX_SESSIONS`, sized well under the descriptor limit: each session holds a browser socket,
 * an upstream socket and, when recording, two files), and a graceful shutdown that closes every
 * session with a reason and waits for recordings to finish.
 *
 * A slot is taken by {@linkcode SessionRegistry.reserve} before the upgrade, so the caps hold
 * for sessions still opening, not only for the ones already tracked.
 *
 * @module
 */
import type { RelaySession } from "./relay.ts";

export interface SessionLimits {
  /** Concurrent sessions one client may hold. @default 4 */
  maxPerClient?: number;
  /** Concurrent sessions in this process, all clients together. @default 300 */
  maxSessions?: number;
}

export class SessionRegistry {
  #sessions = new Map<string, RelaySession>();
  #perClient = new Map<string, number>();
  #reserved = 0;
  #maxPerClient: number;
  #maxSessions: number;
  #closing = false;

  constructor(limits: SessionLimits = {}) {
    this.#maxPerClient = limits.maxPerClient ?? 4;
    this.#maxSessions = limits.maxSessions ?? 300;
    for (const [name, value] of Object.entries(limits)) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new RangeError(
          `Cannot create the session registry: ${name} must be a positive integer, got ${value}`,
        );
      }
    }
  }

  /** Sessions tracked now (upgraded). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Slots taken now: tracked sessions plus the ones reserved and still opening. */
  get reserved(): number {
    return this.#reserved;
  }

  /** `MAX_SESSIONS`: slots this process gives out at most. */
  get maxSessions(): number {
    return this.#maxSessions;
  }

  /** True once shutdown began: new connections are refused. */
  get closing(): boolean {
    return this.#closing;
  }

  /** True when every slot of the process is taken: the next reserve is refused. */
  get full(): boolean {
    return this.#reserved >= this.#maxSessions;
  }

  /**
   * Reserves a slot for `client`; false when the process is {@linkcode full} (check that
   * first to tell the two apart) or `client` already holds its maximum.
   */
  reserve(client: string): boolean {
    const count = this.#perClient.get(client) ?? 0;
    if (this.full || count >= this.#maxPerClient) return false;
    this.#perClient.set(client, count + 1);
    this.#reserved++;
    return true;
  }

  /** Gives back a slot taken by {@linkcode reserve}. */
  release(client: string): void {
    const count = this.#perClient.get(client);
    if (count === undefined) return;
    this.#reserved--;
    if (count <= 1) this.#perClient.delete(client);
    else this.#perClient.set(client, count - 1);
  }

  /** Tracks `session` until it is done, then releases the client's slot. */
  add(client: string, session: RelaySession): void {
    this.#sessions.set(session.id, session);
    session.done.finally(() => {
      this.#sessions.delete(session.id);
      this.release(client);
    });
  }

  /** Refuses new sessions, closes the open ones with `reason`, and waits for them. */
  async shutdown(reason: string): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#sessions.values()].map((s) => s.shutdown(reason)));
  }
}
