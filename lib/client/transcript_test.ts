import { deepEqual, equal } from "node:assert/strict";
import { Transcript } from "./transcript.ts";

Deno.test("Transcript orders items by previous_item_id, whatever order they arrive in", () => {
  const t = new Transcript();
  t.add("u1", "user", null);
  t.add("a1", "assistant", "u1");
  t.add("u2", "user", "a1");
  t.add("x", "user", "u1"); // inserted between u1 and a1
  deepEqual(t.entries.map((e) => e.itemId), ["u1", "x", "a1", "u2"]);
  t.add("late", "assistant", "unknown");
  equal(t.entries.at(-1)!.itemId, "late");
});

Deno.test("Transcript streams assistant text and finishes it", () => {
  const t = new Transcript();
  t.add("a1", "assistant", null);
  t.append("a1", "assistant", "Hel");
  t.append("a1", "assistant", "lo");
  equal(t.entries[0].text, "Hello");
  equal(t.entries[0].status, "streaming");
  t.finish("a1", "assistant", "Hello.", "done");
  deepEqual(t.entries[0], { itemId: "a1", role: "assistant", text: "Hello.", status: "done" });
  t.finish("u9", "user", null, "unavailable");
  equal(t.entries[1].status, "unavailable");
  t.remove("a1");
  equal(t.entries.length, 1);
});
