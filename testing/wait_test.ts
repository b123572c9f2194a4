import { equal, rejects } from "node:assert/strict";
import { sleep, waitFor, within } from "./wait.ts";

Deno.test("waitFor() resolves once the condition holds", async () => {
  let calls = 0;
  await waitFor(() => ++calls === 3, { intervalMs: 1 });
  equal(calls, 3);
});

Deno.test("waitFor() fails after its timeout, naming what it waited for", async () => {
  await rejects(
    waitFor(() => false, { timeoutMs: 30, what: "freed session" }),
    /no freed session within 30 ms/,
  );
});

Deno.test("within() gives the value of a prompt promise and null for a late one", async () => {
  equal(await within(Promise.resolve(7), 1000), 7);
  const late = sleep(100).then(() => 8);
  equal(await within(late, 10), null);
  await late;
});
