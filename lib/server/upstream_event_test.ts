import { deepEqual, equal, ok } from "node:assert/strict";
import { REDACTED, Redactor } from "./redact.ts";
import { maskSecrets, parseUpstreamEvent, upstreamErrorFields } from "./upstream_event.ts";

const KEY = "sk-test-0123456789abcdefghij";

Deno.test("parseUpstreamEvent() takes JSON objects with a string type and nothing else", () => {
  deepEqual(parseUpstreamEvent('{"type":"session.created","x":1}'), {
    type: "session.created",
    x: 1,
  });
  for (
    const text of [
      "",
      "garbage",
      '{"type":"trunc',
      "[]",
      "null",
      "42",
      '"error"',
      "{}",
      '{"type":3}',
    ]
  ) {
    equal(parseUpstreamEvent(text), null, text);
  }
});

Deno.test("upstreamErrorFields() reads code and param, whatever the upstream put there", () => {
  const read = (text: string) => upstreamErrorFields(parseUpstreamEvent(text)!);
  deepEqual(read('{"type":"error","error":{"code":"x","param":"p"}}'), { code: "x", param: "p" });
  deepEqual(read('{"type":"error","error":{"code":null}}'), { code: null, param: undefined });
  deepEqual(read('{"type":"error","error":"flat"}'), { code: undefined, param: undefined });
  deepEqual(read('{"type":"error"}'), { code: undefined, param: undefined });
});

Deno.test("maskSecrets() returns the very text when it holds no secret", () => {
  const redactor = new Redactor([KEY]);
  const text = '{"type":"response.output_audio.delta","delta":"AAAA","item_id":"item_1"}';
  equal(maskSecrets(redactor, text, parseUpstreamEvent(text)!), text);
  const other = '{"type":"error","error":{"message":"bad"}}';
  equal(maskSecrets(redactor, other, parseUpstreamEvent(other)!), other);
});

Deno.test("maskSecrets() masks a key anywhere in an event, and around an audio delta", () => {
  const redactor = new Redactor([KEY]);
  const error = JSON.stringify({ type: "error", error: { message: `Incorrect API key ${KEY}` } });
  const masked = maskSecrets(redactor, error, parseUpstreamEvent(error)!);
  ok(!masked.includes(KEY));
  ok(masked.includes(REDACTED));
  const delta = JSON.stringify({
    type: "response.output_audio.delta",
    item_id: `item_${KEY}`,
    delta: "AAAAAAAA",
  });
  const out = JSON.parse(maskSecrets(redactor, delta, parseUpstreamEvent(delta)!));
  ok(!JSON.stringify(out).includes(KEY));
  equal(out.delta, "AAAAAAAA");
  equal(out.type, "response.output_audio.delta");
});
