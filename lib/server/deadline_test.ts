import { equal, rejects } from "node:assert/strict";
import { withDeadline } from "./deadline.ts";

const late = () => new Error("Cannot wait: too slow");

Deno.test("withDeadline() gives the call's result when it comes in time", async () => {
  equal(await withDeadline(Promise.resolve(7), 1000, late), 7);
  const slowish = new Promise<string>((resolve) => setTimeout(() => resolve("ok"), 10));
  equal(await withDeadline(slowish, 5000, late), "ok");
});

Deno.test("withDeadline() passes the call's own failure on when it comes in time", async () => {
  await rejects(withDeadline(Promise.reject(new TypeError("bad")), 1000, late), TypeError);
});

Deno.test("withDeadline() rejects with late()'s error when the call does not settle in time", async () => {
  const never = new Promise<number>(() => {});
  await rejects(withDeadline(never, 10, late), { message: "Cannot wait: too slow" });
});

Deno.test("withDeadline() drops a failure that comes after the deadline", async () => {
  const { promise, reject } = Promise.withResolvers<number>();
  await rejects(withDeadline(promise, 10, late), { message: "Cannot wait: too slow" });
  reject(new Error("after the deadline"));
  // An unhandled rejection would fail this test.
  await new Promise((resolve) => setTimeout(resolve, 10));
});
