import { equal, throws } from "node:assert/strict";
import type { RelaySession } from "./relay.ts";
import { SessionRegistry } from "./sessions.ts";

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

Deno.test("SessionRegistry caps sessions per client and frees a slot when a session ends", async () => {
  const registry = new SessionRegistry({ maxPerClient: 2 });
  equal(registry.reserve("a"), true);
  equal(registry.reserve("a"), true);
  equal(registry.reserve("a"), false);
  equal(registry.reserve("b"), true);
  const one = fakeSession("s1");
  registry.add("a", one.session);
  equal(registry.size, 1);
  one.end();
  await one.session.done;
  await Promise.resolve();
  equal(registry.size, 0);
  equal(registry.reserve("a"), true);
});

Deno.test("SessionRegistry.shutdown() refuses new sessions and closes open ones with the reason", async () => {
  const registry = new SessionRegistry({ maxPerClient: 4 });
  const s = fakeSession("s1");
  registry.reserve("a");
  registry.add("a", s.session);
  await registry.shutdown("bye");
  equal(registry.closing, true);
  equal(s.reasons[0], "bye");
});

Deno.test("SessionRegistry caps the sessions of the whole process, reserved ones included", async () => {
  const registry = new SessionRegistry({ maxPerClient: 2, maxSessions: 3 });
  equal(registry.reserve("a"), true);
  equal(registry.reserve("b"), true);
  equal(registry.full, false);
  equal(registry.reserve("c"), true);
  equal(registry.full, true);
  equal(registry.reserved, 3);
  // Full: even a client with no session gets no slot.
  equal(registry.reserve("d"), false);
  // A reserved slot given back before its session existed frees the process slot.
  registry.release("c");
  equal(registry.full, false);
  equal(registry.reserve("d"), true);
  // A session that ends frees its slot too.
  const one = fakeSession("s1");
  registry.add("a", one.session);
  one.end();
  await one.session.done;
  await Promise.resolve();
  equal(registry.reserved, 2);
  equal(registry.reserve("e"), true);
  equal(registry.full, true);
});

Deno.test("SessionRegistry.release() of a client with no slot changes nothing", () => {
  const registry = new SessionRegistry({ maxSessions: 1 });
  registry.release("nobody");
  equal(registry.reserved, 0);
  equal(registry.reserve("a"), true);
  equal(registry.full, true);
});

Deno.test("SessionRegistry defaults to 4 per client and 300 per process, and refuses bad limits", () => {
  const registry = new SessionRegistry();
  equal(registry.maxSessions, 300);
  for (let i = 0; i < 4; i++) equal(registry.reserve("a"), true);
  equal(registry.reserve("a"), false);
  throws(() => new SessionRegistry({ maxSessions: 0 }), RangeError);
  throws(() => new SessionRegistry({ maxPerClient: 1.5 }), RangeError);
});
