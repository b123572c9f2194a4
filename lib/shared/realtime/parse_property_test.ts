/**
 * Properties of `parseClientEvent()`: it never throws, whatever it is given (arbitrary text,
 * JSON, objects of a known type, mutations of valid events, hostile inputs), every refusal is
 * a well-formed GA envelope echoing the event_id, and what it accepts parses again to itself.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { assertErrorEnvelope, rejected, VALID_CLIENT_EVENTS } from "@/testing/ga_client_events.ts";
import { CLIENT_EVENT_TYPES } from "./client_events.ts";
import { parseClientEvent } from "./parse.ts";

/** parseClientEvent never throws and every failure is a well-formed envelope. */
function checkTotal(input: string | Uint8Array): void {
  const result = parseClientEvent(input);
  if (result.ok) {
    ok((CLIENT_EVENT_TYPES as readonly string[]).includes(result.event.type));
    if (result.audioBytes !== null) {
      ok(result.audioBytes.length > 0 && result.audioBytes.length % 2 === 0);
    }
    // Accepting is stable: the accepted event parses again to itself.
    const again = parseClientEvent(JSON.stringify(result.event));
    ok(again.ok);
    deepEqual(again.event, result.event);
  } else {
    assertErrorEnvelope(result.error);
  }
}

const NUM_RUNS = 3000;

Deno.test("parseClientEvent() never throws on arbitrary strings", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" })), checkTotal),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("parseClientEvent() never throws on arbitrary JSON values", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => checkTotal(JSON.stringify(value))),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("parseClientEvent() never throws on arbitrary objects with a known type", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CLIENT_EVENT_TYPES),
      fc.dictionary(fc.string(), fc.jsonValue()),
      (type, fields) => checkTotal(JSON.stringify({ ...fields, type })),
    ),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("parseClientEvent() always refuses binary frames", () => {
  fc.assert(
    fc.property(fc.uint8Array(), (bytes) => {
      const error = rejected(parseClientEvent(bytes));
      assertErrorEnvelope(error);
      equal(error.error.code, "invalid_event");
    }),
    { numRuns: 200 },
  );
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every object or array inside `value`, with `value` itself. */
function containers(value: Json): (Json[] | { [key: string]: Json })[] {
  if (value === null || typeof value !== "object") return [];
  const children = Array.isArray(value) ? value : Object.values(value);
  return [value, ...children.flatMap(containers)];
}

/** Applies one mutation to a copy of `event`: replace, delete or add somewhere inside it. */
function mutate(event: Json, pick: number, kind: string, key: string, replacement: Json): Json {
  const copy: Json = structuredClone(event);
  const targets = containers(copy);
  const target = targets[pick % targets.length];
  const keys = Array.isArray(target) ? target.map((_, i) => String(i)) : Object.keys(target);
  const chosen = keys.length > 0 ? keys[pick % keys.length] : key;
  const record = target as Record<string, Json>;
  if (kind === "delete") {
    if (Array.isArray(target)) target.splice(Number(chosen), 1);
    else delete record[chosen];
  } else if (kind === "add") {
    if (Array.isArray(target)) target.push(replacement);
    else record[key] = replacement;
  } else {
    record[chosen] = replacement;
  }
  return copy;
}

Deno.test("parseClientEvent() never throws on mutated valid events and echoes their event_id", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...VALID_CLIENT_EVENTS),
      fc.nat(),
      fc.constantFrom("replace", "delete", "add"),
      fc.oneof(fc.string(), fc.constantFrom("type", "event_id", "audio", "session", "rate")),
      fc.oneof(fc.jsonValue(), fc.constant(-1), fc.constant(""), fc.constant(null)),
      (event, pick, kind, key, replacement) => {
        const mutated = mutate(event as Json, pick, kind, key, replacement as Json);
        const text = JSON.stringify(mutated);
        checkTotal(text);
        const result = parseClientEvent(text);
        const sent = (mutated as Record<string, unknown>).event_id;
        if (!result.ok) {
          equal(result.error.error.event_id, typeof sent === "string" ? sent : null);
        }
      },
    ),
    { numRuns: NUM_RUNS * 3 },
  );
});

Deno.test("parseClientEvent() survives hostile inputs", () => {
  const hostile = [
    "[".repeat(100_000),
    "[".repeat(50_000) + "]".repeat(50_000),
    '{"type":"session.update","session":' + '{"a":'.repeat(5_000) + "1" + "}".repeat(5_001),
    '{"__proto__":{"type":"session.close"}}',
    '{"type":"session.close","__proto__":{}}',
    '{"type":"input_audio_buffer.append","audio":"' + "A".repeat(2_000_000) + '"}',
    '{"type":"conversation.item.truncate","item_id":"i","content_index":0,"audio_end_ms":1e999}',
    '{"type":"response.create","response":{"max_output_tokens":1e400}}',
    '{"type":"session.update","session":{"type":"realtime","audio":{"output":{"speed":-1e999}}}}',
    '{"type":"constructor"}',
    '{"type":"toString"}',
    '{"type":"session.close","hasOwnProperty":1}',
    "\uFEFF{}",
    '{"type":"\\ud800"}',
  ];
  for (const text of hostile) checkTotal(text);
  const proto = rejected(parseClientEvent('{"type":"session.close","__proto__":{}}'));
  equal(proto.error.param, "__proto__");
});
