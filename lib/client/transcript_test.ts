import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { cleanCut, type Role, Transcript } from "./transcript.ts";

/** A transcript with `turns` added in this order, each `[itemId, role, previousItemId]`. */
function transcriptOf(...turns: [string, Role, string | null][]): Transcript {
  const t = new Transcript();
  for (const [itemId, role, previous] of turns) t.add(itemId, role, previous);
  return t;
}

Deno.test("Transcript orders items by previous_item_id, whatever order they arrive in", () => {
  const t = transcriptOf(
    ["u1", "user", null],
    ["a1", "assistant", "u1"],
    ["u2", "user", "a1"],
    ["x", "user", "u1"], // inserted between u1 and a1
  );
  deepEqual(t.entries.map((e) => e.itemId), ["u1", "x", "a1", "u2"]);
  t.add("late", "assistant", "unknown");
  equal(t.entries.at(-1)!.itemId, "late");
});

Deno.test("Transcript streams assistant text and finishes it", () => {
  const t = transcriptOf(["a1", "assistant", null]);
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

Deno.test("Transcript puts a new session's first turn below every earlier one", () => {
  const t = transcriptOf(["u1", "user", null], ["a1", "assistant", "u1"]);
  t.newSession();
  // The new session's first item follows nothing the service knows of.
  t.add("u2", "user", null);
  t.add("a2", "assistant", "u2");
  // A resumed session's first item follows a replayed item the page never saw.
  t.newSession();
  t.add("u3", "user", "item_replayed");
  t.add("a3", "assistant", "u3");
  deepEqual(t.entries.map((e) => e.itemId), ["u1", "a1", "u2", "a2", "u3", "a3"]);
  t.remove("u1");
  t.newSession();
  t.add("u4", "user", null);
  equal(t.entries.at(-1)!.itemId, "u4");
});

Deno.test("Transcript ends streaming turns cleanly, and a cut turn stays cut", () => {
  const t = transcriptOf(["u1", "user", null], ["a1", "assistant", "u1"]);
  t.append("a1", "assistant", "(local echo of 2.2 s ");
  t.add("u2", "user", "a1");
  t.append("u2", "user", "Hello");
  t.add("u3", "user", "u2");
  t.endStreaming("stopped", "(none)");
  deepEqual(t.entries, [
    { itemId: "u1", role: "user", text: "(none)", status: "unavailable" },
    { itemId: "a1", role: "assistant", text: "(local echo of 2.2 s…)", status: "stopped" },
    { itemId: "u2", role: "user", text: "Hello", status: "done" },
    { itemId: "u3", role: "user", text: "(none)", status: "unavailable" },
  ]);
  // Late text of the stopped answer neither grows it nor makes it look finished.
  t.append("a1", "assistant", "of your");
  t.finish("a1", "assistant", "(local echo of 2.2 s of your speech)");
  equal(t.entries[1].status, "stopped");
  equal(t.entries[1].text, "(local echo of 2.2 s…)");
});

Deno.test("cleanCut() ends cut text at a whole word and closes what it opened", () => {
  equal(cleanCut("(local echo of 2.2 s "), "(local echo of 2.2 s…)");
  equal(cleanCut("(local echo of 3.4 s"), "(local echo of 3.4…)");
  equal(cleanCut("Let me think about th"), "Let me think about…");
  equal(cleanCut('He said "stop, '), 'He said "stop…"');
  equal(cleanCut("That is all."), "That is all.");
  equal(cleanCut("(local echo of 1.8 s of your speech)"), "(local echo of 1.8 s of your speech)");
  equal(cleanCut("   "), "");
  equal(cleanCut("Hi"), "Hi…");
});

Deno.test("cleanCut() cuts once: a turn ended twice (cancelled, then truncated) keeps one mark", () => {
  equal(cleanCut(cleanCut("About")), "About…");
  equal(cleanCut(cleanCut("(local echo of 2.2 s ")), "(local echo of 2.2 s…)");
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (text) => {
      const once = cleanCut(text);
      equal(cleanCut(once), once);
    }),
  );
});
