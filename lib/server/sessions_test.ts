import { equal } from "node:assert/strict";
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
  const registry = new SessionRegistry(2);
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
  const registry = new SessionRegistry(4);
  const s = fakeSession("s1");
  registry.reserve("a");
  registry.add("a", s.session);
  await registry.shutdown("bye");
  equal(registry.closing, true);
  equal(s.reasons[0], "bye");
});
