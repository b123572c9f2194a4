import { deepEqual, equal, ok, rejects, throws } from "node:assert/strict";
import { type Outage, restartDelay, type ServeFunction, serveResilient } from "./listener.ts";

/** A listener on a free loopback port that retries within milliseconds. */
const QUICK = { hostname: "127.0.0.1", port: 0, minDelayMs: 5, maxDelayMs: 20 } as const;

function hello(): Response {
  return new Response("hello");
}

async function get(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return await res.text();
}

function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (condition()) return resolve();
      if (performance.now() - start > timeoutMs) {
        return reject(new Error(`Timed out waiting for ${what}`));
      }
      setTimeout(poll, 5);
    };
    poll();
  });
}

/**
 * The real `Deno.serve`, with faults a test can switch on: the next binds throw EMFILE, and
 * `failNow()` closes the current listener and rejects its `finished` as Deno does when
 * `accept()` runs out of descriptors (`failKeepingConnections()` only rejects it, so that
 * connections already accepted are still served, as they are after a real failure).
 */
function faultyServe() {
  let failingBinds = 0;
  let calls = 0;
  let current: { real: Deno.HttpServer<Deno.NetAddr>; fail: (e: Error) => void } | null = null;
  const serve: ServeFunction = (options, handler) => {
    calls++;
    if (failingBinds > 0) {
      failingBinds--;
      throw new Error("Too many open files (os error 24)");
    }
    const real = Deno.serve(options, handler);
    const finished = Promise.withResolvers<void>();
    real.finished.then(finished.resolve, finished.reject);
    current = { real, fail: finished.reject };
    return {
      addr: real.addr,
      finished: finished.promise,
      ref: () => real.ref(),
      unref: () => real.unref(),
      shutdown: () => real.shutdown(),
      [Symbol.asyncDispose]: () => real.shutdown(),
    };
  };
  return {
    serve,
    get calls() {
      return calls;
    },
    failBinds(count: number) {
      failingBinds = count;
    },
    async failNow() {
      const { real, fail } = current!;
      current = null;
      await real.shutdown();
      fail(new Error("Http: Error: Too many open files (os error 24)"));
    },
    /** Reports the failure but leaves the real server up: its connections go on, as after EMFILE. */
    failKeepingConnections() {
      const { fail } = current!;
      current = null;
      fail(new Error("Http: Error: Too many open files (os error 24)"));
    },
  };
}

Deno.test("restartDelay() doubles from minDelayMs and stops at maxDelayMs", () => {
  const limits = { minDelayMs: 100, maxDelayMs: 2000 };
  deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 1000].map((attempt) => restartDelay(attempt, limits)),
    [100, 200, 400, 800, 1600, 2000, 2000, 2000],
  );
});

Deno.test("serveResilient() serves on a free port and shutdown() frees it", async () => {
  const server = serveResilient(hello, { hostname: "127.0.0.1", port: 0 });
  const { port } = server.addr;
  ok(port > 0);
  equal(await get(port), "hello");
  equal(server.serving, true);
  await server.shutdown();
  await server.finished;
  equal(server.serving, false);
  // The port is free again.
  const again = Deno.listen({ hostname: "127.0.0.1", port });
  again.close();
});

Deno.test("serveResilient() throws when the first bind fails: that is not an outage", () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    throws(() => serveResilient(hello, { hostname: "127.0.0.1", port }), Deno.errors.AddrInUse);
  } finally {
    taken.close();
  }
});

Deno.test("serveResilient() restarts a failed listener on the same port and reports the outage once", async () => {
  const faults = faultyServe();
  const failures: unknown[] = [];
  const restarts: Outage[] = [];
  let appRequests = 0;
  const server = serveResilient(() => {
    appRequests++;
    return hello();
  }, {
    ...QUICK,
    serve: faults.serve,
    onFailed: (error) => failures.push(error),
    onRestarted: (outage) => restarts.push(outage),
  });
  try {
    const { port } = server.addr;
    equal(await get(port), "hello");
    faults.failBinds(3);
    await faults.failNow();
    equal(failures.length, 1);
    ok(String(failures[0]).includes("Too many open files"));
    equal(server.serving, false);
    // Three binds fail, the fourth holds; its probe of itself on a new connection ends the
    // outage, without a request of anyone's.
    await until(() => restarts.length === 1, "the restart");
    equal(faults.calls, 5);
    equal(server.serving, true);
    equal(failures.length, 1);
    equal(restarts[0].attempts, 4);
    ok(restarts[0].downMs >= 0);
    ok(String(restarts[0].error).includes("Too many open files"));
    equal(appRequests, 1, "the probe never reaches the app");
    equal(server.addr.port, port);
    equal(await get(port), "hello");
    equal(appRequests, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveResilient() reports a second outage after the first one ended", async () => {
  const faults = faultyServe();
  let failures = 0;
  let restarts = 0;
  const server = serveResilient(hello, {
    ...QUICK,
    serve: faults.serve,
    onFailed: () => failures++,
    onRestarted: () => restarts++,
  });
  try {
    for (let round = 1; round <= 2; round++) {
      await faults.failNow();
      equal(failures, round);
      await until(() => restarts === round, `restart ${round}`);
      equal(faults.calls, round + 1);
      equal(await get(server.addr.port), "hello");
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveResilient() does not count a keep-alive connection of the failed listener as serving", async () => {
  const faults = faultyServe();
  let restarts = 0;
  const server = serveResilient(hello, {
    ...QUICK,
    serve: faults.serve,
    onRestarted: () => restarts++,
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  try {
    const ask = async () => {
      await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
      const buffer = new Uint8Array(1024);
      const n = await conn.read(buffer);
      return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
    };
    ok((await ask()).endsWith("hello"));
    faults.failBinds(Infinity);
    faults.failKeepingConnections();
    // The old connection is still answered, yet no listener accepts new ones.
    ok((await ask()).endsWith("hello"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    equal(server.serving, false);
    equal(restarts, 0);
  } finally {
    conn.close();
    await server.shutdown();
  }
});

Deno.test("serveResilient().shutdown() during an outage stops retrying and settles", async () => {
  const faults = faultyServe();
  const server = serveResilient(hello, {
    hostname: "127.0.0.1",
    port: 0,
    minDelayMs: 5,
    maxDelayMs: 5,
    serve: faults.serve,
  });
  faults.failBinds(Infinity);
  await faults.failNow();
  await until(() => faults.calls >= 4, "a few failed binds");
  await server.shutdown();
  await server.finished;
  const calls = faults.calls;
  await new Promise((resolve) => setTimeout(resolve, 50));
  equal(faults.calls, calls, "no bind after shutdown");
  await rejects(fetch(`http://127.0.0.1:${server.addr.port}/`));
});
