import { deepEqual, equal, throws } from "node:assert/strict";
import type { Item } from "../../shared/realtime/mod.ts";
import { Conversation, MAX_CONVERSATION_AUDIO_BYTES } from "./conversation.ts";

function user(id: string): Item {
  return {
    id,
    object: "realtime.item",
    type: "message",
    status: "completed",
    role: "user",
    content: [{ type: "input_audio", transcript: null }],
  };
}

Deno.test("Conversation.insert() places items and reports the previous id", () => {
  const conversation = new Conversation();
  equal(conversation.insert(user("a")), null);
  equal(conversation.insert(user("b")), "a");
  equal(conversation.insert(user("c"), [], "root"), null);
  equal(conversation.insert(user("d"), [], "c"), "c");
  deepEqual(conversation.items().map((s) => s.item.id), ["c", "d", "a", "b"]);
  equal(conversation.lastId, "b");
  equal(conversation.previousId("a"), "d");
  throws(() => conversation.insert(user("a")), RangeError);
  throws(() => conversation.insert(user("e"), [], "zzz"), RangeError);
  equal(conversation.delete("d"), true);
  equal(conversation.delete("d"), false);
  equal(conversation.previousId("a"), "c");
});

Deno.test("Conversation.lastUserTurn() finds the newest typed text or kept user audio", () => {
  const conversation = new Conversation();
  equal(conversation.lastUserTurn(), undefined);
  const a = new Uint8Array(96);
  const b = new Uint8Array(48);
  conversation.insert(user("a"), [a]);
  conversation.insert(user("b"), [b]);
  conversation.insert(user("c"), [null]);
  deepEqual(conversation.lastUserTurn(), { type: "audio", pcm: b });
  equal(conversation.userAudioMs(), 3);
  conversation.insert({
    id: "t",
    object: "realtime.item",
    type: "message",
    status: "completed",
    role: "user",
    content: [{ type: "input_text", text: "one" }, { type: "input_text", text: "two" }],
  }, [null, null]);
  deepEqual(conversation.lastUserTurn(), { type: "text", text: "one\ntwo" });
  conversation.delete("t");
  conversation.delete("b");
  equal(conversation.lastUserTurn()?.type, "audio");
});

Deno.test("Conversation drops the oldest audio bytes past the cap but keeps their length", () => {
  const conversation = new Conversation();
  const half = MAX_CONVERSATION_AUDIO_BYTES / 2 + 48;
  conversation.insert(user("a"), [new Uint8Array(half)]);
  conversation.insert(user("b"), [new Uint8Array(half)]);
  equal(conversation.get("a")!.audio[0], null);
  equal(conversation.get("a")!.audioMs[0], half / 48);
  equal(conversation.get("b")!.audio[0]!.length, half);
});
