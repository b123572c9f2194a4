/**
 * An "upstream" that accepts TCP connections and never answers the upgrade, for tests of a
 * relay that waits on the service: it keeps each connection and tells when the relay gave it
 * up.
 *
 * @module
 */

/** One accepted connection and when its peer closed it. */
export interface SilentConnection {
  conn: Deno.Conn;
  /** Settles once the peer has closed (EOF) or the connection was closed here. */
  ended: Promise<void>;
}

/** Listens on a free loopback port; `await using` closes it and every connection. */
export class SilentUpstream implements AsyncDisposable {
  readonly listener: Deno.TcpListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  /** The connections accepted, in order. */
  readonly accepted: SilentConnection[] = [];

  constructor() {
    this.#accept();
  }

  /** `ws://127.0.0.1:<port>/v1/realtime` */
  get url(): string {
    return `ws://127.0.0.1:${this.listener.addr.port}/v1/realtime`;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.listener) this.accepted.push({ conn, ended: drain(conn) });
    } catch {
      // Closed.
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.listener.close();
    for (const { conn, ended } of this.accepted) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
      await ended;
    }
  }
}

/** Reads `conn` until its peer closes it (the upgrade request is never answered). */
async function drain(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(4096);
  try {
    while (await conn.read(buffer) !== null) { /* never answered */ }
  } catch {
    // Closed here.
  }
}
