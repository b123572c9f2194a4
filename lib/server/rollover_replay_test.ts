import { deepEqual, equal } from "node:assert/strict";
import { Replay } from "./rollover_replay.ts";

Deno.test("Replay: one GA text item per turn, and only its own answers are taken", () => {
  const replay = new Replay([
    { role: "user", text: "hi" },
    { role: "assistant", text: "hello" },
  ]);
  const events = replay.events.map((e) => JSON.parse(e));
  deepEqual(events.map((e) => [e.type, e.item.type, e.item.role, e.item.content]), [
    ["conversation.item.create", "message", "user", [{ type: "input_text", text: "hi" }]],
    ["conversation.item.create", "message", "assistant", [{ type: "output_text", text: "hello" }]],
  ]);
  equal(replay.complete, false);
  const [user, assistant] = events.map((e) => e.item);
  equal(replay.answers({ type: "conversation.item.added", item: { id: "item_other" } }), false);
  equal(replay.answers({ type: "conversation.item.added", item: user }), true);
  equal(replay.answers({ type: "conversation.item.done", item: user }), true);
  const refused: unknown[] = [];
  const error = { type: "error", error: { code: "x", event_id: events[1].event_id } };
  equal(replay.answers(error, (e) => refused.push(e)), true);
  deepEqual(refused, [error]);
  equal(replay.complete, true);
  equal(replay.lastItemId, assistant.id);
  equal(new Replay([]).complete, true);
});
