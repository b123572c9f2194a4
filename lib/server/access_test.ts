import { deepEqual, equal, match, notEqual, ok, throws } from "node:assert/strict";
import {
  ACCESS_COOKIE,
  AccessCodes,
  constantTimeEqual,
  DEFAULT_ACCESS_MAX_AGE_SECONDS,
} from "./access.ts";
import { TicketIssuer } from "./tickets.ts";

const SECRET = "relay-secret-for-the-access-tests";

/** The `name=value` part of a Set-Cookie value, as a browser sends it back. */
function cookieOf(setCookie: string): string {
  return setCookie.split(";")[0];
}

Deno.test("AccessCodes.check() accepts each configured code and nothing else", () => {
  const access = new AccessCodes(["alpha-2026", " beta ", ""], SECRET);
  equal(access.enabled, true);
  for (const right of ["alpha-2026", "beta", "  beta  "]) equal(access.check(right), true, right);
  for (const wrong of ["alpha-2025", "alpha-20266", "alpha", "", "Beta", "x".repeat(300)]) {
    equal(access.check(wrong), false, wrong);
  }
  for (const notText of [null, undefined, 42, ["alpha-2026"], { code: "beta" }]) {
    equal(access.check(notText), false);
  }
  equal(new AccessCodes([], SECRET).enabled, false);
  equal(new AccessCodes([" ", ""], SECRET).check(""), false);
});

Deno.test("constantTimeEqual() compares whole byte strings, prefixes and extensions included", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const cases: [string, string, boolean][] = [
    ["code", "code", true],
    ["cod", "code", false],
    ["codex", "code", false],
    ["", "code", false],
    ["c\0de", "code", false],
    ["", "", true],
  ];
  for (const [given, expected, result] of cases) {
    equal(constantTimeEqual(bytes(given), bytes(expected)), result, `${given} vs ${expected}`);
  }
});

Deno.test("AccessCodes.issueCookie() is HttpOnly, SameSite=Strict, 30 days, Secure on https", async () => {
  const access = new AccessCodes(["code"], SECRET);
  const plain = await access.issueCookie(false);
  match(
    plain,
    new RegExp(
      `^${ACCESS_COOKIE}=[\\w-]+\\.[\\w-]+; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000$`,
    ),
  );
  equal(DEFAULT_ACCESS_MAX_AGE_SECONDS, 2_592_000);
  match(await access.issueCookie(true), /; Max-Age=2592000; Secure$/);
});

Deno.test("AccessCodes.verifyCookie() returns the holder of a valid cookie, a new one per cookie", async () => {
  const access = new AccessCodes(["code"], SECRET);
  const first = cookieOf(await access.issueCookie(false));
  const second = cookieOf(await access.issueCookie(true));
  const holder = await access.verifyCookie(first);
  ok(holder !== null && holder.length >= 16);
  notEqual(await access.verifyCookie(second), holder);
  equal(await access.verifyCookie(`theme=dark; ${first}; lang=en`), holder);
  // Another instance with the same secret accepts it; one with another secret does not.
  equal(await new AccessCodes(["code"], SECRET).verifyCookie(first), holder);
  equal(await new AccessCodes(["code"], "another-secret-entirely").verifyCookie(first), null);
});

Deno.test("AccessCodes.verifyCookie() refuses expired, forged, altered and malformed cookies", async () => {
  const clock = { t: 1_800_000_000_000 };
  const access = new AccessCodes(["code"], SECRET, { now: () => clock.t, maxAgeSeconds: 60 });
  const cookie = cookieOf(await access.issueCookie(false));
  ok(await access.verifyCookie(cookie));
  const value = cookie.slice(ACCESS_COOKIE.length + 1);
  const [payload, signature] = value.split(".");
  const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
  const forgedPayload = btoa(JSON.stringify({ ...claims, h: "someone-else" }))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  // A relay ticket signed with the same secret is not a cookie.
  const ledger = { redeem: () => Promise.resolve("ok" as const) };
  const { ticket } = await new TicketIssuer(SECRET, { ttlSeconds: 60, ledger }).issue("addr:x");
  for (
    const bad of [
      null,
      "",
      `${ACCESS_COOKIE}=`,
      `${ACCESS_COOKIE}=${payload}`,
      `${ACCESS_COOKIE}=${forgedPayload}.${signature}`,
      `${ACCESS_COOKIE}=${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`,
      `${ACCESS_COOKIE}=${payload}.${signature}.extra`,
      `${ACCESS_COOKIE}=!!!.???`,
      `${ACCESS_COOKIE}=${ticket}`,
      `other_${ACCESS_COOKIE}=${value}`,
    ]
  ) {
    equal(await access.verifyCookie(bad), null, String(bad));
  }
  clock.t += 59_999;
  ok(await access.verifyCookie(cookie), "valid until it expires");
  clock.t += 1;
  equal(await access.verifyCookie(cookie), null, "expired");
});

Deno.test("AccessCodes.tries allows 5 tries a minute per client", () => {
  const access = new AccessCodes(["code"], SECRET);
  deepEqual(access.tries.rate, { count: 5, windowMs: 60_000, burst: 5 });
  for (let i = 0; i < 5; i++) equal(access.tries.take("198.51.100.1").ok, true);
  const refused = access.tries.take("198.51.100.1");
  equal(refused.ok, false);
  equal(access.tries.take("198.51.100.2").ok, true);
});

Deno.test("AccessCodes refuses an empty secret and a bad lifetime", () => {
  throws(() => new AccessCodes(["code"], ""), TypeError);
  throws(() => new AccessCodes(["code"], SECRET, { maxAgeSeconds: 0 }), RangeError);
});
