import { equal } from "node:assert/strict";
import fc from "fast-check";
import { REDACTED, Redactor } from "./redact.ts";

Deno.test("Redactor.redact() masks key shapes it was not told about", () => {
  const r = new Redactor();
  equal(r.redact("key sk-proj-abcdef123456 here"), "key sk-pr*** here");
  equal(r.redact("ek_68af0123456789abcdef"), "ek_***");
  equal(r.redact("Authorization: Bearer abc.def"), "Authorization: Bearer ***");
  equal(r.redact("wss://x/realtime?api-key=zzz&model=m"), "wss://x/realtime?api-key=***&model=m");
  equal(r.redact("openai-insecure-api-key.sk-123"), "openai-insecure-api-key.***");
});

Deno.test("Redactor.redact() replaces each configured secret wherever it appears", () => {
  const azure = "9f86d081884c7d659a2feaa0c55ad015";
  const relay = "relay-secret-value";
  const r = new Redactor([azure, relay]);
  equal(
    r.redact(`Incorrect API key provided: ${azure}. Also ${relay}${relay}`),
    `Incorrect API key provided: ${REDACTED}. Also ${REDACTED}${REDACTED}`,
  );
  equal(r.leaks(`x${azure}y`), true);
  equal(r.leaks("nothing here"), false);
});

Deno.test("Redactor finds a secret with quotes or backslashes inside JSON text", () => {
  const secret = 'a"b\\c-secret';
  const r = new Redactor([secret]);
  const json = JSON.stringify({ error: { message: `key ${secret} refused` } });
  equal(r.leaks(json), true);
  const out = r.redact(json);
  equal(JSON.parse(out).error.message, `key ${REDACTED} refused`);
});

Deno.test("Redactor ignores secrets too short to mask safely", () => {
  const r = new Redactor(["ab", ""]);
  equal(r.redact("abcabc"), "abcabc");
});

Deno.test("Redactor.redact() never leaves a configured secret in any text (property)", () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 4, maxLength: 40 }),
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 40 }),
      (secret, before, after) => {
        const r = new Redactor([secret]);
        const text = `${before}${secret}${after}`;
        const out = r.redact(text);
        // The mask may itself hold the secret only if the secret is part of "[redacted]".
        return !out.includes(secret) || REDACTED.includes(secret);
      },
    ),
    { seed: 20261206, numRuns: 2000 },
  );
});

Deno.test("Redactor.redact() withholds text where masks and context spell the secret again", () => {
  // "d]x" is not in the text, but appears once "…d]" of the mask meets the "x" after it.
  const r = new Redactor(["d]xy-secret"]);
  const out = r.redact("d]xy-secretd]xy-secret");
  equal(out.includes("d]xy-secret"), false);
  fc.assert(
    fc.property(
      fc.constantFrom("[red", "acted]", "d]", "ted]x", "[r"),
      fc.string({ maxLength: 8 }),
      (prefix, tail) => {
        const secret = `${prefix}${tail}zz`;
        if (secret.length < 4 || REDACTED.includes(secret)) return true;
        const text = `${secret}${tail}${secret}zz${secret}`;
        return !new Redactor([secret]).redact(text).includes(secret);
      },
    ),
    { seed: 20261206, numRuns: 2000 },
  );
});
