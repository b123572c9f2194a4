/**
 * The live relay sessions: the per-client cap (`MAX_SESSIONS_PER_CLIENT`) and a graceful
 * shutdown that closes every session with a reason and waits for recordings to finish.
 *
 * @module
 */
import type { RelaySession } from "./relay.ts";

export class SessionRegistry {
  #sessions = new Map<string, RelaySession>();
  #perClient = new Map<string, number>();
  #maxPerClient: number;
  #closing = false;

  constructor(maxPerClient: number) {
    this.#maxPerClient = maxPerClient;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** True once shutdown began: new connections are refused. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Reserves a slot for `client`; false when it already holds the maximum. */
  reserve(client: string): boolean {
    const count = this.#perClient.get(client) ?? 0;
    if (count >= this.#maxPerClient) return false;
    this.#perClient.set(client, count + 1);
    return true;
  }

  /** Gives back a slot taken by {@linkcode reserve}. */
  release(client: string): void {
    const count = (this.#perClient.get(client) ?? 1) - 1;
    if (count <= 0) this.#perClient.delete(client);
    else this.#perClient.set(client, count);
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
