import { equal, ok } from "node:assert/strict";
import { median, percentile, summarize } from "./stats.ts";

Deno.test("median() of odd and even counts, without sorting its input", () => {
  const values = [3, 1, 2];
  equal(median(values), 2);
  equal(values[0], 3);
  equal(median([4, 1, 3, 2]), 2.5);
  ok(Number.isNaN(median([])));
});

Deno.test("percentile() is the nearest rank of sorted values", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  equal(percentile(sorted, 50), 50);
  equal(percentile(sorted, 95), 95);
  equal(percentile(sorted, 100), 100);
  equal(percentile(sorted, 0), 1);
  equal(percentile([7], 99), 7);
  ok(Number.isNaN(percentile([], 50)));
});

Deno.test("summarize() sorts and reads p50, p95, p99 and the max", () => {
  const values = Float64Array.from({ length: 200 }, (_, i) => 200 - i);
  const summary = summarize(values);
  equal(summary.count, 200);
  equal(summary.p50, 100);
  equal(summary.p95, 190);
  equal(summary.p99, 198);
  equal(summary.max, 200);
  ok(Number.isNaN(summarize(new Float64Array()).p50));
});
