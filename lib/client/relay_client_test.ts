/**
 * The page's reconnect behaviour, with a fake clock for the backoff timers and real sockets
 * for everything else: backoff bounds, jitter, cooldown, no retry after fatal failures, and
 * recovery after a relay restart.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { ScriptedUpstream } from "@/testing/upstream.ts";
import { startTestServer } from "@/testing/server.ts";
import { sleep } from "@/testing/wait.ts";
import { type Disconnect, ReconnectPolicy } from "./reconnect.ts";
import { type Clock, type ConnectionState, RelayClient } from "./relay_client.ts";

function fakeClock() {
  const clock = FakeTimers.createClock(0);
  const adapter: Clock = {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id as never),
    now: () => clock.now,
  };
  return { clock, adapter };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A site whose `POST /api/session` answers `status`, counting the attempts. */
function failingSite(status: number) {
  let hits = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/api/session") hits++;
    return new Response("{}", { status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    hits: () => hits,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A site whose `POST /api/session` answers `status` with a JSON `body` and `headers`. */
function refusingSite(status: number, body: unknown, headers: Record<string, string> = {}) {
  let hits = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/api/session") hits++;
    return Response.json(body, { status, headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    hits: () => hits,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function client(
  baseUrl: string,
  clock: Clock,
  policy: ReconnectPolicy,
  options: { openTimeoutMs?: number } = {},
) {
  const states: { state: ConnectionState; detail?: string; cause?: Disconnect }[] = [];
  const relay = new RelayClient({
    baseUrl,
    clock,
    policy,
    ...options,
    onEvent: () => {},
    onState: (state, detail, cause) => states.push({ state, detail, cause }),
  });
  return { relay, states };
}

Deno.test("RelayClient retries a failing server with capped, jittered exponential backoff", async () => {
  await using site = failingSite(503);
  const { clock, adapter } = fakeClock();
  const rolls = [0, 0.5, 0.999, 0.25, 0.75];
  const policy = new ReconnectPolicy({
    baseMs: 500,
    maxMs: 4000,
    burst: 10,
    random: () => rolls.shift() ?? 0,
  });
  const { relay, states } = client(site.url, adapter, policy);
  relay.start();
  const expected = [250, 750, 1999, 2500, 3500]; // cap/2 + roll·cap/2, caps 500, 1000, 2000, 4000, 4000
  for (const [i, delay] of expected.entries()) {
    await until(
      () => site.hits() === i + 1 && states.at(-1)?.detail?.includes(`retry ${i + 1}`) === true,
      `attempt ${i + 1}`,
    );
    equal(states.at(-1)!.state, "reconnecting");
    equal(states.at(-1)!.detail, `retry ${i + 1} in ${delay} ms`);
    clock.tick(delay - 1);
    await sleep(30);
    equal(site.hits(), i + 1, "no attempt before the delay is over");
    clock.tick(1);
  }
  relay.stop();
  equal(states.at(-1)!.state, "closed");
});

Deno.test("RelayClient cools down after a burst of failures", async () => {
  await using site = failingSite(502);
  const { clock, adapter } = fakeClock();
  const policy = new ReconnectPolicy({
    baseMs: 100,
    maxMs: 400,
    burst: 3,
    cooldownMs: 30_000,
    random: () => 0,
  });
  const { relay, states } = client(site.url, adapter, policy);
  relay.start();
  const delays: number[] = [];
  for (let i = 1; i <= 5; i++) {
    await until(
      () => site.hits() === i && states.at(-1)?.detail?.includes(`retry ${i} `) === true,
      `attempt ${i}`,
    );
    const delay = Number(/in (\d+) ms/.exec(states.at(-1)!.detail!)![1]);
    delays.push(delay);
    clock.tick(delay);
  }
  deepEqual(delays, [50, 100, 200, 30_000, 200]);
  relay.stop();
});

for (const status of [401, 403]) {
  Deno.test(`RelayClient never retries after HTTP ${status}`, async () => {
    await using site = failingSite(status);
    const { clock, adapter } = fakeClock();
    const { relay, states } = client(site.url, adapter, new ReconnectPolicy());
    relay.start();
    await until(() => states.at(-1)?.state === "failed", "failed");
    match(states.at(-1)!.detail!, new RegExp(`HTTP ${status}`));
    clock.tick(10 * 60_000);
    await new Promise((r) => setTimeout(r, 50));
    equal(site.hits(), 1);
  });
}

Deno.test("RelayClient never retries a ticket refused for a spent budget, and says when it resets", async () => {
  const resetsAt = Date.UTC(2030, 0, 2);
  await using site = refusingSite(429, {
    error: "Cannot issue a ticket: today's budget is spent",
    code: "relay_budget_exhausted",
    resetsAt,
  }, { "retry-after": "3600" });
  const { clock, adapter } = fakeClock();
  const { relay, states } = client(site.url, adapter, new ReconnectPolicy());
  relay.start();
  await until(() => states.at(-1)?.state === "failed", "failed");
  deepEqual(states.at(-1)!.cause, {
    type: "http",
    status: 429,
    code: "relay_budget_exhausted",
    retryAfterSeconds: 3600,
    resetsAt,
  });
  clock.tick(2 * 3600_000);
  await new Promise((r) => setTimeout(r, 50));
  equal(site.hits(), 1);
});

Deno.test("RelayClient retries a rate-limited ticket no sooner than its retry-after", async () => {
  await using site = refusingSite(429, { error: "too many", retryAfterSeconds: 7 }, {
    "retry-after": "7",
  });
  const { clock, adapter } = fakeClock();
  const { relay, states } = client(site.url, adapter, new ReconnectPolicy({ random: () => 0 }));
  relay.start();
  await until(() => states.at(-1)?.state === "reconnecting", "reconnecting");
  equal(states.at(-1)!.detail, "retry 1 in 7000 ms");
  clock.tick(6999);
  await sleep(30);
  equal(site.hits(), 1, "no attempt before retry-after");
  clock.tick(1);
  await until(() => site.hits() === 2, "the second attempt");
  relay.stop();
});

Deno.test("RelayClient gives up on 401 access_required and names the code", async () => {
  await using site = refusingSite(401, {
    error: { code: "access_required", message: "Cannot issue a ticket: enter an access code" },
  });
  const { clock, adapter } = fakeClock();
  const { relay, states } = client(site.url, adapter, new ReconnectPolicy());
  relay.start();
  await until(() => states.at(-1)?.state === "failed", "failed");
  const cause = states.at(-1)!.cause;
  equal(cause?.type === "http" && cause.code, "access_required");
  clock.tick(10 * 60_000);
  await new Promise((r) => setTimeout(r, 50));
  equal(site.hits(), 1);
});

function match(text: string, re: RegExp) {
  ok(re.test(text), `${text} does not match ${re}`);
}

// An upstream's 1001 (its expiry), 1006 or 1011 no longer reaches the browser: the relay
// reconnects the conversation to a new upstream session (lib/server/rollover_test.ts). That
// such a close from the relay itself is retried is ReconnectPolicy's (reconnect_test.ts), and
// a reconnect after the relay went away is the restart test below.
for (
  const [code, fatal] of [[3000, true], [4000, true], [4008, true]] as const
) {
  Deno.test(`RelayClient ${fatal ? "gives up" : "reconnects"} after the relay closes ${code}`, async () => {
    await using upstream = await ScriptedUpstream.start();
    await using server = await startTestServer({
      OPENAI_API_KEY: "sk-test",
      REALTIME_URL: upstream.url,
    });
    const { clock, adapter } = fakeClock();
    const { relay, states } = client(server.url, adapter, new ReconnectPolicy({ random: () => 0 }));
    const first = upstream.nextConnection();
    relay.start();
    const connection = await first;
    await until(() => states.at(-1)?.state === "open", "open");
    connection.socket.close(code, "test");
    await until(() => ["failed", "reconnecting"].includes(states.at(-1)!.state), "a decision");
    equal(states.at(-1)!.state, fatal ? "failed" : "reconnecting");
    if (!fatal) {
      const second = upstream.nextConnection();
      clock.tick(250);
      await second;
      await until(() => states.at(-1)?.state === "open", "open again");
    }
    relay.stop();
  });
}

Deno.test("RelayClient recovers after a relay restart, and frames queued meanwhile are bounded", async () => {
  const first = await startTestServer();
  const port = String(first.port);
  const { clock, adapter } = fakeClock();
  const events: string[] = [];
  const states: ConnectionState[] = [];
  const relay = new RelayClient({
    baseUrl: first.url,
    clock: adapter,
    policy: new ReconnectPolicy({ random: () => 0 }),
    maxQueuedFrames: 30,
    onEvent: (e) => events.push(e.type),
    onState: (s) => states.push(s),
  });
  relay.start();
  await until(() => events.includes("session.updated"), "session.updated");
  await first.shutdown();
  await until(() => states.at(-1) === "reconnecting", "reconnecting");
  // While the relay is down: 50 frames arrive; only the newest 30 are kept.
  for (let i = 0; i < 50; i++) relay.sendAudioFrame(new Uint8Array(960));
  equal(relay.stats.queueDepth, 30);
  equal(relay.stats.framesDropped, 20);
  clock.tick(250); // first retry: the server is still down
  await until(() => states.filter((s) => s === "reconnecting").length >= 2, "second failure");
  await using second = await startTestServer({ PORT: port });
  clock.tick(500);
  await until(() => events.filter((t) => t === "session.updated").length === 2, "a new session");
  await until(() => relay.stats.queueDepth === 0, "queue drained");
  equal(relay.stats.framesSent, 30);
  equal(second.state.sessions.size, 1);
  relay.stop();
});

/**
 * A site whose ticket requests and relay upgrades hang (never answered, until the client
 * gives up or the test ends) while `hang` says so, and succeed otherwise.
 */
function stallingSite() {
  const hang = { ticket: false, upgrade: false };
  const hits = { ticket: 0, upgrade: 0 };
  let abandoned = 0;
  let opened = 0;
  const release = Promise.withResolvers<void>();
  function stall(req: Request): Promise<Response> {
    return new Promise((resolve) => {
      req.signal.addEventListener("abort", () => {
        abandoned++;
        resolve(new Response(null, { status: 499 }));
      });
      release.promise.then(() => resolve(new Response(null, { status: 503 })));
    });
  }
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/api/session") {
      hits.ticket++;
      if (hang.ticket) return stall(req);
      return Response.json({ relay: "/api/relay?ticket=t" });
    }
    hits.upgrade++;
    if (hang.upgrade) return stall(req);
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => opened++;
    return response;
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    hang,
    hits,
    abandoned: () => abandoned,
    opened: () => opened,
    async [Symbol.asyncDispose]() {
      release.resolve();
      await server.shutdown();
    },
  };
}

/**
 * Starts a client (no jitter, fake clock) on `site` with its `stage` hanging, and waits until
 * that request arrived.
 */
async function startStalled(
  site: ReturnType<typeof stallingSite>,
  stage: "ticket" | "upgrade",
  options: { openTimeoutMs?: number } = {},
) {
  site.hang[stage] = true;
  const { clock, adapter } = fakeClock();
  const policy = new ReconnectPolicy({ random: () => 0 });
  const { relay, states } = client(site.url, adapter, policy, options);
  relay.start();
  await until(() => site.hits[stage] === 1, `the first ${stage} request`);
  return { clock, relay, states };
}

Deno.test("RelayClient gives up on a socket that has not opened within openTimeoutMs and retries", async () => {
  await using site = stallingSite();
  const { clock, relay, states } = await startStalled(site, "upgrade");
  clock.tick(4999);
  await sleep(30);
  equal(states.at(-1)!.state, "connecting", "still waiting before the default 5 s");
  clock.tick(1);
  equal(states.at(-1)!.state, "reconnecting");
  equal(states.at(-1)!.detail, "retry 1 in 250 ms");
  // The socket was really closed: the server saw the upgrade request abandoned.
  await until(() => site.abandoned() === 1, "the stalled upgrade abandoned");
  site.hang.upgrade = false;
  clock.tick(250);
  await until(() => states.at(-1)?.state === "open", "open on the retry");
  equal(site.hits.upgrade, 2);
  // The deadline of an attempt that opened is gone: nothing happens when it would have fired.
  clock.tick(60_000);
  await sleep(30);
  equal(states.at(-1)!.state, "open");
  equal(states.filter((s) => s.state === "reconnecting").length, 1);
  relay.stop();
  await until(() => site.opened() === 1, "the server's socket open");
});

Deno.test("RelayClient's open deadline covers a ticket request that hangs, and honours openTimeoutMs", async () => {
  await using site = stallingSite();
  const { clock, relay, states } = await startStalled(site, "ticket", { openTimeoutMs: 2000 });
  clock.tick(1999);
  await sleep(30);
  equal(states.at(-1)!.state, "connecting");
  clock.tick(1);
  equal(states.at(-1)!.state, "reconnecting");
  await until(() => site.abandoned() === 1, "the stalled ticket request abandoned");
  await sleep(30);
  const failures = states.filter((s) => s.state === "reconnecting");
  equal(failures.length, 1, "one failure, counted once");
  site.hang.ticket = false;
  clock.tick(250);
  await until(() => states.at(-1)?.state === "open", "open on the retry");
  relay.stop();
});

Deno.test("RelayClient.stop() while an attempt is pending abandons it without a retry", async () => {
  await using site = stallingSite();
  const { clock, relay, states } = await startStalled(site, "upgrade");
  relay.stop();
  await until(() => site.abandoned() === 1, "the pending upgrade abandoned");
  clock.tick(60_000);
  await sleep(30);
  equal(states.at(-1)!.state, "closed");
  equal(site.hits.ticket, 1);
});

/** A site that refuses any resume token (401 resume_invalid) and answers 503 otherwise. */
function resumeRefusingSite() {
  const bodies: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const body = await req.text();
    bodies.push(body);
    if (body.includes("resume_token")) {
      return Response.json({ error: { code: "resume_invalid" } }, { status: 401 });
    }
    return new Response("{}", { status: 503 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    bodies,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("RelayClient sends the resume token, and on resume_invalid asks again at once without it", async () => {
  await using site = resumeRefusingSite();
  const { clock, adapter } = fakeClock();
  let token: string | null = "tok.sig";
  let refused = 0;
  const retries: number[] = [];
  const relay = new RelayClient({
    baseUrl: site.url,
    clock: adapter,
    policy: new ReconnectPolicy({ random: () => 0 }),
    onEvent: () => {},
    onState: () => {},
    onRetry: (info) => retries.push(info.attempt),
    resumeToken: () => token,
    onResumeRefused: () => {
      refused++;
      token = null;
    },
  });
  relay.start();
  await until(() => site.bodies.length === 2 && retries.length === 1, "the second ticket request");
  deepEqual(site.bodies, [JSON.stringify({ resume_token: "tok.sig" }), ""]);
  equal(refused, 1);
  deepEqual(retries, [1], "the refusal itself is no failure: only the 503 counts");
  relay.stop();
  equal(clock.countTimers(), 0);
});

Deno.test("RelayClient.retryNow() skips the backoff wait, and says the server was never reached", async () => {
  await using site = failingSite(503);
  const { adapter } = fakeClock();
  const retries: { attempt: number; neverOpened: boolean; cause: string }[] = [];
  const relay = new RelayClient({
    baseUrl: site.url,
    clock: adapter,
    policy: new ReconnectPolicy({ baseMs: 60_000, maxMs: 60_000, random: () => 0 }),
    onEvent: () => {},
    onState: () => {},
    onRetry: (info) =>
      retries.push({
        attempt: info.attempt,
        neverOpened: info.neverOpened,
        cause: info.cause.type,
      }),
  });
  equal(relay.retryNow(), false, "nothing waits before start");
  relay.start();
  await until(() => retries.length === 1, "the first failure");
  equal(site.hits(), 1);
  equal(relay.retryNow(), true);
  await until(
    () => site.hits() === 2 && retries.length === 2,
    "the retry, without the clock moving",
  );
  deepEqual(retries, [
    { attempt: 1, neverOpened: true, cause: "http" },
    { attempt: 2, neverOpened: true, cause: "http" },
  ]);
  relay.stop();
  equal(relay.retryNow(), false, "nothing waits after stop");
});
