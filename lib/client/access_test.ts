/**
 * The page's access-code check against the real `POST /api/access` of a server with
 * `ACCESS_CODES` set: a right code, a wrong one, too many tries, and no server at all.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer } from "@/testing/server.ts";
import { initialAccess, submitAccessCode } from "./access.ts";

Deno.test("initialAccess() asks for a code only when codes are on and none is held", () => {
  deepEqual(initialAccess(false, false), { needed: false, checking: false, problem: null });
  deepEqual(initialAccess(true, false), { needed: true, checking: false, problem: null });
  deepEqual(initialAccess(true, true), { needed: false, checking: false, problem: null });
});

/** A fetch that sends the page's Origin, as a browser does for a POST. */
function pageFetch(origin: string, cookies: string[] = []): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("origin", origin);
    return fetch(input, { ...init, headers }).then((res) => {
      const cookie = res.headers.get("set-cookie");
      if (cookie) cookies.push(cookie);
      return res;
    });
  };
}

Deno.test("submitAccessCode() against the real server: right, wrong, too many tries", async () => {
  await using server = await startTestServer({ ACCESS_CODES: "class-a,class-b" });
  const cookies: string[] = [];
  const options = { fetch: pageFetch(server.url, cookies) };
  equal(await submitAccessCode(server.url, "class-b", options), null);
  equal(cookies.length, 1);
  ok(/HttpOnly/i.test(cookies[0]), cookies[0]);
  deepEqual(await submitAccessCode(server.url, "class-c", options), { type: "wrong-code" });
  // Five tries a minute per client: three more, then the sixth is refused.
  for (let i = 0; i < 3; i++) await submitAccessCode(server.url, "nope", options);
  const limited = await submitAccessCode(server.url, "class-a", options);
  equal(limited?.type, "too-many-tries");
  ok(limited?.type === "too-many-tries" && limited.retryAfterSeconds >= 1, JSON.stringify(limited));
});

Deno.test("submitAccessCode() says the check failed when the server cannot be reached", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  deepEqual(await submitAccessCode(`http://127.0.0.1:${port}`, "class-a"), {
    type: "failed",
    status: null,
  });
});
