import { deepEqual, equal } from "node:assert/strict";
import { BUDGET_WARNING_SECONDS, SessionBudget } from "./session_budget.ts";

Deno.test("SessionBudget warns once two minutes before the end, then reports the end once", () => {
  const budget = new SessionBudget(300, 0);
  equal(budget.tick(0), null);
  equal(budget.tick(179_000), null);
  deepEqual(budget.tick(180_000), { type: "warn", secondsLeft: BUDGET_WARNING_SECONDS });
  equal(budget.tick(200_000), null);
  deepEqual(budget.tick(300_000), { type: "exhausted" });
  equal(budget.tick(400_000), null);
  equal(budget.secondsLeft(400_000), 0);
});

Deno.test("SessionBudget with less than two minutes left warns at once", () => {
  const budget = new SessionBudget(30, 1000);
  deepEqual(budget.tick(1000), { type: "warn", secondsLeft: 30 });
  deepEqual(budget.tick(31_000), { type: "exhausted" });
});

Deno.test("SessionBudget without a budget never ends", () => {
  const budget = new SessionBudget(null, 0);
  equal(budget.tick(1e12), null);
  equal(budget.secondsLeft(5), null);
});

Deno.test("SessionBudget hands out the time spent since the last flush, and takes fresh readings", () => {
  const budget = new SessionBudget(600, 0);
  equal(budget.takeSpent(10_000), 10);
  equal(budget.takeSpent(10_000), 0);
  equal(budget.takeSpent(12_500), 2.5);
  // Another session of the same client spent meanwhile: 100 s are left, not 587.5.
  budget.update(100, 12_500);
  deepEqual(budget.tick(12_500), { type: "warn", secondsLeft: 100 });
  deepEqual(budget.tick(112_500), { type: "exhausted" });
});
