import { equal } from "node:assert/strict";
import { isAtEnd } from "./follow_newest.ts";

Deno.test("isAtEnd: at the end, within the slack, and scrolled up", () => {
  equal(isAtEnd({ scrollTop: 600, scrollHeight: 1000, clientHeight: 400 }), true);
  equal(isAtEnd({ scrollTop: 590, scrollHeight: 1000, clientHeight: 400 }), true);
  equal(isAtEnd({ scrollTop: 500, scrollHeight: 1000, clientHeight: 400 }), false);
  equal(isAtEnd({ scrollTop: 590, scrollHeight: 1000, clientHeight: 400 }, 4), false);
  // Nothing to scroll: always at the end.
  equal(isAtEnd({ scrollTop: 0, scrollHeight: 300, clientHeight: 400 }), true);
});
