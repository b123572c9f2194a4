import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { startTestServer } from "@/testing/server.ts";
import { ClientLimiter, clientLimiter } from "./client_limits.ts";

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

const TEN_PER_MINUTE = { count: 10, windowMs: 60_000, burst: 5 };

Deno.test("ClientLimiter allows each key its burst, then refuses with whole seconds to wait", () => {
  const c = clock();
  const limiter = new ClientLimiter(TEN_PER_MINUTE, { now: c.now });
  for (let i = 0; i < 5; i++) deepEqual(limiter.take("a"), { ok: true }, `take ${i}`);
  // One token per 6 s.
  deepEqual(limiter.take("a"), { ok: false, retryAfterSeconds: 6 });
  deepEqual(limiter.take("b"), { ok: true }, "another key has its own bucket");
  c.t = 5_001;
  deepEqual(limiter.take("a"), { ok: false, retryAfterSeconds: 1 }, "999 ms rounds up to 1 s");
  c.t = 5_999.5;
  deepEqual(limiter.take("a"), { ok: false, retryAfterSeconds: 1 }, "never 0");
  c.t = 6_000;
  deepEqual(limiter.take("a"), { ok: true });
  deepEqual(limiter.take("a"), { ok: false, retryAfterSeconds: 6 });
});

Deno.test("ClientLimiter keeps at most maxClients keys however many addresses come", () => {
  const c = clock();
  const limiter = new ClientLimiter(TEN_PER_MINUTE, { now: c.now, maxClients: 1000 });
  let most = 0;
  for (let i = 0; i < 100_000; i++) {
    deepEqual(limiter.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`), { ok: true });
    most = Math.max(most, limiter.size);
    c.t += 0.01;
  }
  equal(most, 1000);
});

Deno.test("ClientLimiter forgets refilled buckets first, then the least recently used", () => {
  const c = clock();
  const limiter = new ClientLimiter({ count: 1, windowMs: 1000, burst: 5 }, {
    now: c.now,
    maxClients: 4,
  });
  for (let i = 0; i < 5; i++) limiter.take("busy"); // empty
  limiter.take("b");
  limiter.take("c");
  limiter.take("d");
  equal(limiter.size, 4);
  c.t = 1000; // b, c, d are full again; busy holds one token
  limiter.take("e");
  equal(limiter.size, 2, "the three refilled buckets were dropped, the busy one kept");
  deepEqual(limiter.take("busy"), { ok: true });
  deepEqual(limiter.take("busy"), { ok: false, retryAfterSeconds: 1 }, "its level was kept");
  // No bucket is full now: a new key pushes out the least recently used.
  limiter.take("f");
  limiter.take("g");
  equal(limiter.size, 4);
  limiter.take("h");
  equal(limiter.size, 4);
  deepEqual(limiter.take("busy"), { ok: false, retryAfterSeconds: 1 }, "recently used: kept");
});

Deno.test("ClientLimiter drops idle buckets as calls come, with no timer", () => {
  const c = clock();
  const limiter = new ClientLimiter(TEN_PER_MINUTE, { now: c.now });
  for (let i = 0; i < 100; i++) limiter.take(`idle-${i}`);
  equal(limiter.size, 100);
  c.t = 60_000; // every one has refilled
  for (let i = 0; i < 60; i++) limiter.take("steady");
  equal(limiter.size, 1, "each call dropped up to two refilled buckets");
});

Deno.test("ClientLimiter refuses rates and sizes it cannot work with", () => {
  throws(() => new ClientLimiter({ count: 0, windowMs: 1000, burst: 1 }), RangeError);
  throws(() => new ClientLimiter({ count: 1, windowMs: 0, burst: 1 }), RangeError);
  throws(() => new ClientLimiter({ count: 1, windowMs: 1000, burst: 0 }), RangeError);
  throws(() => new ClientLimiter(TEN_PER_MINUTE, { maxClients: 0 }), RangeError);
  throws(() => new ClientLimiter(TEN_PER_MINUTE, { maxClients: 1.5 }), /Cannot make a client/);
  equal(clientLimiter(null), null);
  ok(clientLimiter(TEN_PER_MINUTE) instanceof ClientLimiter);
});

async function postSession(url: string): Promise<Response> {
  return await fetch(`${url}/api/session`, { method: "POST" });
}

Deno.test("POST /api/session: 429 with retry-after after the default burst of 5, counted in /metrics", async () => {
  await using server = await startTestServer({});
  for (let i = 0; i < 5; i++) {
    const res = await postSession(server.url);
    equal(res.status, 200, `ticket ${i}`);
    ok((await res.json()).ticket);
  }
  const refused = await postSession(server.url);
  equal(refused.status, 429);
  const retryAfter = refused.headers.get("retry-after")!;
  match(retryAfter, /^\d+$/);
  // 10 per minute: the next ticket is at most 6 s away.
  ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 6, `retry-after ${retryAfter}`);
  const body = await refused.json();
  equal(body.retryAfterSeconds, Number(retryAfter));
  match(body.error, new RegExp(`^Cannot issue a ticket: .*retry in ${retryAfter} s$`));
  equal((await postSession(server.url)).status, 429);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  match(metrics, /relay_rate_limited_total\{kind="ticket"\} 2\n/);
});

Deno.test("POST /api/session: TICKET_RATE_PER_CLIENT sets the rate; retry-after follows it", async () => {
  await using server = await startTestServer({ TICKET_RATE_PER_CLIENT: "1/h" });
  const first = await postSession(server.url);
  equal(first.status, 200);
  await first.body?.cancel();
  const refused = await postSession(server.url);
  equal(refused.status, 429);
  await refused.body?.cancel();
  const seconds = Number(refused.headers.get("retry-after"));
  ok(seconds > 3500 && seconds <= 3600, `retry-after ${seconds}`);
});

Deno.test("POST /api/session: TICKET_RATE_PER_CLIENT=off issues every ticket asked for", async () => {
  await using server = await startTestServer({ TICKET_RATE_PER_CLIENT: "off" });
  equal(server.state.ticketLimiter, null);
  for (let i = 0; i < 30; i++) {
    const res = await postSession(server.url);
    equal(res.status, 200, `ticket ${i}`);
    await res.body?.cancel();
  }
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  ok(!/relay_rate_limited_total\{kind="ticket"\} [1-9]/.test(metrics));
});
