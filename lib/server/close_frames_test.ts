import { equal, ok } from "node:assert/strict";
import { clipReason, MAX_REASON_BYTES, sendableCode } from "./close_frames.ts";

const utf8 = (text: string) => new TextEncoder().encode(text).length;

Deno.test("sendableCode() passes 1000, 1001, 1008, 1011 and 3000-4999, and nothing else", () => {
  const cases: [number, boolean][] = [
    [1000, true],
    [1001, true],
    [1002, false],
    [1003, false],
    [1005, false],
    [1006, false],
    [1008, true],
    [1009, false],
    [1011, true],
    [1015, false],
    [2999, false],
    [3000, true],
    [4000, true],
    [4999, true],
    [5000, false],
  ];
  for (const [code, expected] of cases) equal(sendableCode(code), expected, String(code));
});

Deno.test("clipReason() keeps a reason that fits and cuts a longer one to 123 bytes", () => {
  equal(clipReason(""), "");
  const fits = "x".repeat(MAX_REASON_BYTES);
  equal(clipReason(fits), fits);
  const long = "y".repeat(MAX_REASON_BYTES + 1);
  equal(clipReason(long), "y".repeat(120) + "…");
  equal(utf8(clipReason(long)), MAX_REASON_BYTES);
});

Deno.test("clipReason() never leaves half a character", () => {
  // "é" is two bytes: 119 ASCII bytes then "é" straddle the 120-byte cut.
  const reason = "a".repeat(119) + "é".repeat(20);
  const clipped = clipReason(reason);
  equal(clipped, "a".repeat(119) + "…");
  ok(!clipped.includes("\uFFFD"));
  for (const text of ["€".repeat(60), "😀".repeat(40), "ab€😀".repeat(30)]) {
    const out = clipReason(text);
    ok(utf8(out) <= MAX_REASON_BYTES, text);
    ok(!out.includes("\uFFFD"), text);
    ok(out.endsWith("…"));
  }
});
