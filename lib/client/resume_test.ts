import { deepEqual, equal } from "node:assert/strict";
import { ConversationMemory, type KeyValueStorage, STORAGE_KEY } from "./resume.ts";

function mapStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

const NOTE = {
  conversationId: "conv_abc",
  resumeToken: "tok.sig",
  expiresAt: 10_000,
  rollover: false,
};

Deno.test("ConversationMemory keeps the latest conversation across a reload in the same tab", () => {
  let now = 0;
  const storage = mapStorage();
  const memory = new ConversationMemory({ storage, now: () => now });
  equal(memory.resumeToken, null);
  memory.remember(NOTE);
  equal(memory.resumeToken, "tok.sig");
  // A reload: a new memory on the same storage.
  const reloaded = new ConversationMemory({ storage, now: () => now });
  deepEqual(reloaded.current, {
    conversationId: "conv_abc",
    resumeToken: "tok.sig",
    expiresAt: 10_000,
  });
  // Dropped at its expiry, from memory and storage.
  now = 10_000;
  equal(reloaded.resumeToken, null);
  equal(storage.map.has(STORAGE_KEY), false);
  equal(new ConversationMemory({ storage, now: () => 0 }).current, null);
});

Deno.test("ConversationMemory forgets a refused token, and survives bad or missing storage", () => {
  const storage = mapStorage();
  const memory = new ConversationMemory({ storage, now: () => 0 });
  memory.remember(NOTE);
  memory.forget();
  equal(memory.current, null);
  equal(storage.map.size, 0);
  storage.map.set(STORAGE_KEY, "{not json");
  equal(new ConversationMemory({ storage, now: () => 0 }).current, null);
  storage.map.set(STORAGE_KEY, JSON.stringify({ conversationId: 1 }));
  equal(new ConversationMemory({ storage, now: () => 0 }).current, null);
  const throwing: KeyValueStorage = {
    getItem: () => {
      throw new Error("denied");
    },
    setItem: () => {
      throw new Error("full");
    },
    removeItem: () => {},
  };
  const fragile = new ConversationMemory({ storage: throwing, now: () => 0 });
  fragile.remember(NOTE);
  equal(fragile.resumeToken, "tok.sig", "kept in memory when storage refuses");
  const none = new ConversationMemory({ storage: null, now: () => 0 });
  none.remember(NOTE);
  equal(none.current?.conversationId, "conv_abc");
});
