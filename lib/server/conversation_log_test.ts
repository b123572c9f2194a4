import assert from "node:assert/strict";
import {
  boundTurns,
  CONVERSATION_TTL_MS,
  ConversationLog,
  ConversationStore,
  MAX_TEXT_BYTES,
  MAX_TURNS,
  type Turn,
} from "./conversation_log.ts";

const ID = "conv_ABCdef0123456789xyzAB";

function committed(itemId: string, previous: string | null = null) {
  return { type: "input_audio_buffer.committed", item_id: itemId, previous_item_id: previous };
}
function userText(itemId: string, transcript: string) {
  return {
    type: "conversation.item.input_audio_transcription.completed",
    item_id: itemId,
    content_index: 0,
    transcript,
  };
}
function assistantAdded(itemId: string, previous: string | null = null) {
  return {
    type: "conversation.item.added",
    previous_item_id: previous,
    item: { id: itemId, type: "message", role: "assistant", content: [] },
  };
}
function assistantText(itemId: string, transcript: string) {
  return { type: "response.output_audio_transcript.done", item_id: itemId, transcript };
}

Deno.test("boundTurns drops the oldest turns past the turn limit", () => {
  const turns: Turn[] = Array.from({ length: MAX_TURNS + 5 }, (_, i) => ({
    role: i % 2 ? "assistant" : "user",
    text: `turn ${i}`,
  }));
  const kept = boundTurns(turns);
  assert.equal(kept.length, MAX_TURNS);
  assert.equal(kept[0].text, "turn 5");
  assert.equal(kept.at(-1)!.text, `turn ${MAX_TURNS + 4}`);
});

Deno.test("boundTurns drops the oldest turns past the byte limit, and cuts one huge turn", () => {
  const big = "é".repeat(MAX_TEXT_BYTES / 4 + 1); // just over half the limit
  const kept = boundTurns([
    { role: "user", text: "first" },
    { role: "assistant", text: big },
    { role: "user", text: big },
  ]);
  assert.deepEqual(kept.map((t) => t.text.length), [big.length]);
  const huge = boundTurns([{ role: "user", text: "ab" + "x".repeat(MAX_TEXT_BYTES) }]);
  assert.equal(huge.length, 1);
  assert.equal(new TextEncoder().encode(huge[0].text).length, MAX_TEXT_BYTES);
  assert.ok(huge[0].text.endsWith("x"));
});

Deno.test("the log orders turns by item, fills text late, skips turns without text", async () => {
  using kv = await Deno.openKv(":memory:");
  const store = new ConversationStore(kv);
  const log = new ConversationLog({ id: ID, store, turns: [{ role: "user", text: "earlier" }] });
  log.observe(committed("item_u1"));
  log.observe(assistantAdded("item_a1", "item_u1"));
  assert.equal(log.observe(assistantText("item_a1", "hello back")), true);
  // The user's transcript arrives after the answer, and still comes first.
  assert.equal(log.observe(userText("item_u1", "hello")), true);
  log.observe(committed("item_u2", "item_a1")); // never transcribed
  log.observe(assistantAdded("item_a2", "item_u2"));
  log.observe(assistantText("item_a2", "second answer"));
  log.observe({ type: "response.output_audio.delta", delta: "AAAA" });
  const expected: Turn[] = [
    { role: "user", text: "earlier" },
    { role: "user", text: "hello" },
    { role: "assistant", text: "hello back" },
    { role: "assistant", text: "second answer" },
  ];
  assert.deepEqual(log.turns(), expected);
  await log.flushed();
  assert.deepEqual(await store.load(ID), expected);
});

Deno.test("the log carries its turns to the next session, whose turns follow them", async () => {
  using kv = await Deno.openKv(":memory:");
  const log = new ConversationLog({ id: ID, store: new ConversationStore(kv) });
  log.observe(committed("item_u1"));
  log.observe(userText("item_u1", "one"));
  log.nextSession();
  // The new session's ids are new; its first item follows nothing the log knows.
  log.observe(assistantAdded("item_a", null));
  log.observe(assistantText("item_a", "two"));
  assert.deepEqual(log.turns(), [{ role: "user", text: "one" }, {
    role: "assistant",
    text: "two",
  }]);
  await log.flushed();
});

Deno.test("a conversation expires after its last write", async () => {
  using kv = await Deno.openKv(":memory:");
  let now = 1_000_000;
  const store = new ConversationStore(kv, { now: () => now });
  await store.save(ID, [{ role: "user", text: "hi" }]);
  assert.deepEqual(await store.load(ID), [{ role: "user", text: "hi" }]);
  now += CONVERSATION_TTL_MS + 1;
  assert.equal(await store.load(ID), null);
  assert.equal(await store.load("conv_missing"), null);
  await assert.rejects(() => store.load("../etc"), TypeError);
});

Deno.test("saves coalesce and a failing store is reported, not thrown", async () => {
  const kv = await Deno.openKv(":memory:");
  const errors: Error[] = [];
  const log = new ConversationLog({
    id: ID,
    store: new ConversationStore(kv),
    onError: (error) => errors.push(error),
  });
  kv.close();
  log.observe(committed("item_u1"));
  log.observe(userText("item_u1", "one"));
  log.observe(committed("item_u2", "item_u1"));
  log.observe(userText("item_u2", "two"));
  await log.flushed();
  assert.ok(errors.length >= 1 && errors.length <= 2, `${errors.length} errors`);
  assert.match(errors[0].message, /^Cannot save the conversation: the KV store failed/);
});

Deno.test("the log keeps a typed user turn by the text of its item; a system note is no turn", async () => {
  using kv = await Deno.openKv(":memory:");
  const log = new ConversationLog({ id: ID, store: new ConversationStore(kv) });
  const added = (id: string, role: string, previous: string | null, text: string) => ({
    type: "conversation.item.added",
    previous_item_id: previous,
    item: { id, type: "message", role, content: [{ type: "input_text", text }] },
  });
  assert.equal(log.observe(added("item_t1", "user", null, "How was my pace?")), true);
  // The relay's delivery note (a system message) and the answer after it.
  assert.equal(log.observe(added("item_n1", "system", "item_t1", "Measured delivery…")), false);
  log.observe(assistantAdded("item_a1", "item_n1"));
  log.observe(assistantText("item_a1", "Say it aloud and I will tell you."));
  assert.deepEqual(log.turns(), [
    { role: "user", text: "How was my pace?" },
    { role: "assistant", text: "Say it aloud and I will tell you." },
  ]);
  await log.flushed();
});
