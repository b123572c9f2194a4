/**
 * For tests: a KV Connect server (what `Deno.openKv(url)` talks to) that answers the metadata
 * exchange and then holds every data call (reads, writes) without an answer, the way a store
 * behind a dead link does, until {@linkcode FakeKvConnect.release} answers them all with 400
 * (which Deno's client does not retry, so nothing is left running after the test).
 *
 * @module
 */

/** Options of {@linkcode startFakeKvConnect}. */
export interface FakeKvConnectOptions {
  /**
   * Hold the metadata exchange too (so `Deno.openKv(url)` itself waits).
   * @default {false}
   */
  holdMetadata?: boolean;
}

export interface FakeKvConnect extends AsyncDisposable {
  /** The URL to pass to `Deno.openKv`. */
  url: string;
  /** Paths of the calls received, in order (`POST /`, `POST /data/snapshot_read`, …). */
  calls: string[];
  /** Answers every held call, and every later one, with 400. */
  release(): void;
}

/** Starts the server on 127.0.0.1 and a free port. */
export function startFakeKvConnect(options: FakeKvConnectOptions = {}): FakeKvConnect {
  const calls: string[] = [];
  const released = Promise.withResolvers<void>();
  let isReleased = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const { pathname } = new URL(req.url);
    calls.push(`${req.method} ${pathname}`);
    await req.body?.cancel();
    if (pathname === "/" && !(options.holdMetadata && !isReleased)) {
      return Response.json({
        version: 3,
        databaseId: crypto.randomUUID(),
        endpoints: [{ url: "/data", consistency: "strong" }],
        token: "fake-data-token",
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
    }
    await released.promise;
    return new Response("released by the test", { status: 400 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    calls,
    release() {
      isReleased = true;
      released.resolve();
    },
    async [Symbol.asyncDispose]() {
      isReleased = true;
      released.resolve();
      await server.shutdown();
    },
  };
}
