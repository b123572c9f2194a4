/**
 * `POST /api/access` on the real server (127.0.0.1, port 0): a right code earns a signed
 * cookie the server then recognises, a wrong one 401, bad JSON 400, a foreign origin 403,
 * a sixth try in a minute 429 with `retry-after`; with no codes the service is open.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startTestServer } from "@/testing/server.ts";

const CODES = "alpha-2026,beta-2026";

function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/api/access`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url, ...headers },
    body,
  });
}

Deno.test("POST /api/access: a right code answers 204 with a cookie the server recognises", async () => {
  await using server = await startTestServer({ ACCESS_CODES: CODES });
  const response = await post(server.url, JSON.stringify({ code: "beta-2026" }));
  equal(response.status, 204);
  equal(await response.text(), "");
  equal(response.headers.get("cache-control"), "no-store");
  const setCookie = response.headers.get("set-cookie") ?? "";
  match(
    setCookie,
    /^coach_access=[\w-]+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=2592000$/,
  );
  const holder = await server.state.access.verifyCookie(setCookie.split(";")[0]);
  ok(holder !== null, "the cookie verifies");
  ok(!server.logs.join("\n").includes("beta-2026"), "the code is never logged");
});

Deno.test("POST /api/access: the cookie is Secure when the page is on https", async () => {
  await using server = await startTestServer({
    ACCESS_CODES: CODES,
    PUBLIC_ORIGIN: "https://coach.example.org",
  });
  const response = await post(server.url, JSON.stringify({ code: "alpha-2026" }), {
    origin: "https://coach.example.org",
  });
  equal(response.status, 204);
  match(response.headers.get("set-cookie") ?? "", /; Secure$/);
});

Deno.test("POST /api/access: a wrong code is 401, bad JSON 400, a foreign origin 403", async () => {
  // Each request from its own client address (TRUST_PROXY), so none is rate-limited.
  await using server = await startTestServer({ ACCESS_CODES: CODES, TRUST_PROXY: "1" });
  let client = 0;
  const from = () => ({ "x-forwarded-for": `198.51.100.${++client}` });
  const wrong = await post(server.url, JSON.stringify({ code: "alpha-2025" }), from());
  equal(wrong.status, 401);
  equal(wrong.headers.get("set-cookie"), null);
  deepEqual(await wrong.json(), {
    error: "Cannot unlock the coach: that access code is not right; check it and try again",
    code: "access_denied",
  });
  const bodies = [
    "{not json",
    '{"code": 12}',
    '["alpha-2026"]',
    "",
    JSON.stringify({ code: "alpha-2026", padding: "x".repeat(5000) }),
  ];
  for (const body of bodies) {
    const bad = await post(server.url, body, from());
    equal(bad.status, 400, body.slice(0, 20));
    match((await bad.json()).error, /^Cannot check the access code: send JSON \{"code": "…"\}/);
  }
  const foreign = await post(server.url, JSON.stringify({ code: "alpha-2026" }), {
    ...from(),
    origin: "https://evil.example",
  });
  equal(foreign.status, 403);
  equal(foreign.headers.get("set-cookie"), null);
  await foreign.body?.cancel();
});

Deno.test("POST /api/access: at most 5 tries a minute per client, then 429 with retry-after", async () => {
  await using server = await startTestServer({ ACCESS_CODES: CODES });
  for (let i = 0; i < 5; i++) {
    const response = await post(server.url, JSON.stringify({ code: `guess-${i}` }));
    equal(response.status, 401, `try ${i + 1}`);
    await response.body?.cancel();
  }
  const refused = await post(server.url, JSON.stringify({ code: "alpha-2026" }));
  equal(refused.status, 429, "even the right code waits");
  const retryAfter = Number(refused.headers.get("retry-after"));
  ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
  const body = await refused.json();
  equal(body.retryAfterSeconds, retryAfter);
  match(body.error, /^Cannot check the access code: too many tries from this client; retry in/);
  equal(refused.headers.get("set-cookie"), null);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  match(metrics, /relay_rate_limited_total\{kind="access"\} 1/);
});

Deno.test("POST /api/access: with no ACCESS_CODES the service is open (204, no cookie)", async () => {
  await using server = await startTestServer();
  equal(server.state.access.enabled, false);
  const response = await post(server.url, JSON.stringify({ code: "anything" }));
  equal(response.status, 204);
  equal(response.headers.get("set-cookie"), null);
});
