import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { bytesFrom, classify, draft, frame } from "./fuzz_messages.ts";

const MAX = 4096;

Deno.test("classify() decides like the relay: appends, forwards and rejections with their ids", () => {
  deepEqual(classify(new Uint8Array([1, 2]), MAX), {
    kind: "append",
    audio: new Uint8Array([1, 2]),
  });
  deepEqual(classify(new Uint8Array(3), MAX), { kind: "reject", eventId: null });
  deepEqual(classify(new Uint8Array(MAX + 2), MAX), { kind: "reject", eventId: null });
  deepEqual(classify('{"type":"input_audio_buffer.append","audio":"AAA="}', MAX), {
    kind: "append",
    audio: new Uint8Array([0, 0]),
  });
  deepEqual(classify('{"type":"input_audio_buffer.clear"}', MAX), { kind: "forward" });
  // GA-valid, refused by the policy: the id is echoed.
  deepEqual(classify('{"type":"session.close","event_id":"e1"}', MAX), {
    kind: "reject",
    eventId: "e1",
  });
  deepEqual(classify('{"type":"nope","event_id":"e2"}', MAX), { kind: "reject", eventId: "e2" });
  deepEqual(classify("{not json", MAX), { kind: "reject", eventId: null });
});

Deno.test("draft is the same for a seed, and frame() gives string ids that are unique per message", () => {
  const a = fc.sample(draft, { seed: 7, numRuns: 300 });
  const b = fc.sample(draft, { seed: 7, numRuns: 300 });
  deepEqual(a.map((d) => frame(d, 0, 0)), b.map((d) => frame(d, 0, 0)));
  const kinds = new Set(a.map((d) => d.kind));
  deepEqual([...kinds].sort(), ["binary", "event", "text"]);
  const ids = a.map((d, n) => frame(d, 1, n))
    .filter((f): f is string => typeof f === "string")
    .map((f) => /"event_id":"(f1_\d+)"/.exec(f)?.[1])
    .filter((id) => id !== undefined);
  ok(ids.length > 50, `${ids.length} ids`);
  equal(new Set(ids).size, ids.length);
});

Deno.test("bytesFrom() is deterministic and not constant", () => {
  deepEqual(bytesFrom(3, 16), bytesFrom(3, 16));
  ok(new Set(bytesFrom(3, 64)).size > 16);
});
