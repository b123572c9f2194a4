import { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { randomId, TokenSigner } from "./signed_token.ts";

Deno.test("TokenSigner.verify() returns the claims of a token it signed", async () => {
  const signer = new TokenSigner("secret");
  const token = await signer.sign({ v: 1, id: "abc", exp: 5 });
  match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  deepEqual(await signer.verify(token), { ok: true, claims: { v: 1, id: "abc", exp: 5 } });
});

Deno.test("TokenSigner.verify() calls a token forged under another secret or label forged", async () => {
  const token = await new TokenSigner("secret").sign({ v: 1 });
  deepEqual(await new TokenSigner("other").verify(token), { ok: false, reason: "forged" });
  deepEqual(await new TokenSigner("secret", "cookie.").verify(token), {
    ok: false,
    reason: "forged",
  });
  const labelled = await new TokenSigner("secret", "cookie.").sign({ v: 1 });
  deepEqual(await new TokenSigner("secret", "cookie.").verify(labelled), {
    ok: true,
    claims: { v: 1 },
  });
  deepEqual(await new TokenSigner("secret").verify(labelled), { ok: false, reason: "forged" });
});

Deno.test("TokenSigner.verify() calls a changed payload forged", async () => {
  const signer = new TokenSigner("secret");
  const [, signature] = (await signer.sign({ v: 1, id: "a" })).split(".");
  const payload = btoa(JSON.stringify({ v: 1, id: "b" })).replace(/=+$/, "");
  deepEqual(await signer.verify(`${payload}.${signature}`), { ok: false, reason: "forged" });
});

Deno.test("TokenSigner.verify() calls anything but two base64url parts of a JSON object malformed", async () => {
  const signer = new TokenSigner("secret");
  const good = await signer.sign({ v: 1 });
  for (const token of ["", "abc", `${good}.x`, ".abc", "abc.", "!!!.???"]) {
    deepEqual(await signer.verify(token), { ok: false, reason: "malformed" }, token);
  }
  for (const claims of [[1, 2], 5, "text", null]) {
    const payload = btoa(JSON.stringify(claims)).replace(/=+$/, "");
    const raw = new TextEncoder().encode(payload);
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("secret"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, raw));
    const sig = btoa(String.fromCharCode(...signature)).replace(/=+$/, "").replaceAll("+", "-")
      .replaceAll("/", "_");
    deepEqual(await signer.verify(`${payload}.${sig}`), { ok: false, reason: "malformed" });
  }
});

Deno.test("randomId() gives 22 base64url characters, different each time", () => {
  const a = randomId();
  match(a, /^[A-Za-z0-9_-]{22}$/);
  notEqual(a, randomId());
  equal(new Set(Array.from({ length: 100 }, randomId)).size, 100);
});
