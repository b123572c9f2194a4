import { equal, ok, rejects, throws } from "node:assert/strict";
import type { RelaySession } from "./relay.ts";
import { SessionRegistry } from "./sessions.ts";
import { openStore } from "./store/kv.ts";
import { LeaseStore } from "./store/leases.ts";

function fakeSession(id: string) {
  const done = Promise.withResolvers<void>();
  const reasons: string[] = [];
  const session = {
    id,
    done: done.promise,
    shutdown(reason: string) {
      reasons.push(reason);
      done.resolve();
      return done.promise;
    },
  } as unknown as RelaySession;
  return { session, end: () => done.resolve(), reasons };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

Deno.test("SessionRegistry caps sessions per client across registries on one KV, and frees a slot when a session ends", async () => {
  using kv = await openStore(":memory:");
  const a = new SessionRegistry({ leases: new LeaseStore(kv), maxPerClient: 2 });
  const b = new SessionRegistry({ leases: new LeaseStore(kv), maxPerClient: 2 });
  const first = await a.lease("addr:x", "s1");
  ok(first);
  const second = await b.lease("addr:x", "s2");
  ok(second);
  equal(await a.lease("addr:x", "s3"), null, "the client's third session, on either instance");
  equal(await b.lease("addr:x", "s3"), null);
  ok(await b.lease("addr:y", "s4"), "another client is counted apart");
  ok(a.reserve());
  const one = fakeSession("s1");
  a.add(one.session, first);
  equal(a.size, 1);
  one.end();
  await settle();
  equal(a.size, 0);
  equal(a.reserved, 0);
  ok(await b.lease("addr:x", "s5"), "the ended session's lease was released");
  await a.shutdown("bye");
});

Deno.test("SessionRegistry.shutdown() refuses new sessions, closes open ones with the reason, and releases their leases", async () => {
  using kv = await openStore(":memory:");
  const leases = new LeaseStore(kv);
  const registry = new SessionRegistry({ leases, maxPerClient: 4 });
  const s = fakeSession("s1");
  ok(registry.reserve());
  registry.add(s.session, (await registry.lease("addr:a", "s1"))!);
  equal(await leases.count("addr:a"), 1);
  await registry.shutdown("bye");
  equal(registry.closing, true);
  equal(s.reasons[0], "bye");
  equal(await leases.count("addr:a"), 0);
  equal(registry.reserve(), false);
});

Deno.test("SessionRegistry caps the sessions of the whole process, reserved ones included", async () => {
  using kv = await openStore(":memory:");
  const registry = new SessionRegistry({ leases: new LeaseStore(kv), maxSessions: 3 });
  equal(registry.reserve(), true);
  equal(registry.reserve(), true);
  equal(registry.full, false);
  equal(registry.reserve(), true);
  equal(registry.full, true);
  equal(registry.reserved, 3);
  equal(registry.reserve(), false);
  // A reserved slot given back before its session existed frees the process slot.
  registry.release();
  equal(registry.full, false);
  equal(registry.reserve(), true);
  // A session that ends frees its slot too.
  const one = fakeSession("s1");
  registry.add(one.session, (await registry.lease("addr:a", "s1"))!);
  one.end();
  await settle();
  equal(registry.reserved, 2);
  equal(registry.reserve(), true);
  equal(registry.full, true);
  await registry.shutdown("bye");
});

Deno.test("SessionRegistry refreshes live leases, and a failing store leaves sessions running", async () => {
  const kv = await openStore(":memory:");
  let now = Date.now();
  const leases = new LeaseStore(kv, { ttlMs: 3000, now: () => now });
  const problems: string[] = [];
  const registry = new SessionRegistry({
    leases,
    onLeaseProblem: (message) => problems.push(message),
  });
  const s = fakeSession("s1");
  const lease = (await registry.lease("addr:a", "s1"))!;
  registry.add(s.session, lease);
  const before = lease.expiresAt;
  now += 2000;
  await registry.refreshLeases();
  equal(lease.expiresAt, before + 2000);
  now += 2000; // past the first expiry: the refresh kept it
  equal(await leases.count("addr:a"), 1);
  kv.close();
  await registry.refreshLeases();
  equal(problems[0], "session lease not refreshed; the session goes on");
  equal(registry.size, 1, "the session is still tracked");
  await registry.shutdown("bye");
  ok(problems.includes("session lease not released; it lapses by itself"));
  await rejects(registry.lease("addr:a", "s2"), /Cannot acquire a session lease/);
});

Deno.test("SessionRegistry: 200 concurrent leases of one client settle without exhausting the store's retries", async () => {
  using kv = await openStore(":memory:");
  const leases = new LeaseStore(kv, { maxAttempts: 2 });
  const registry = new SessionRegistry({ leases, maxPerClient: 150 });
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => registry.lease("addr:bench", `s${i}`)),
  );
  equal(results.filter((lease) => lease !== null).length, 150);
  equal(await leases.count("addr:bench"), 150);
});

Deno.test("SessionRegistry defaults to 4 per client and 300 per process, and refuses bad limits", async () => {
  using kv = await openStore(":memory:");
  const leases = new LeaseStore(kv);
  const registry = new SessionRegistry({ leases });
  equal(registry.maxSessions, 300);
  equal(registry.maxPerClient, 4);
  for (let i = 0; i < 4; i++) ok(await registry.lease("addr:a", `s${i}`));
  equal(await registry.lease("addr:a", "s4"), null);
  throws(() => new SessionRegistry({ leases, maxSessions: 0 }), RangeError);
  throws(() => new SessionRegistry({ leases, maxPerClient: 1.5 }), RangeError);
});
