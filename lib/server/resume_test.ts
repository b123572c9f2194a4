import assert from "node:assert/strict";
import { conversationEvent, RESUME_TTL_MS, ResumeTokens } from "./resume.ts";
import { TicketIssuer } from "./tickets.ts";

const CONV = "conv_ABCdef0123456789xyzAB";

Deno.test("a resume token names its conversation until it expires", async () => {
  let now = 1_700_000_000_000;
  const tokens = new ResumeTokens("secret", { now: () => now });
  const { token, expiresAt } = await tokens.issue(CONV);
  assert.equal(expiresAt, now + RESUME_TTL_MS);
  assert.deepEqual(await tokens.check(token), { ok: true, conversationId: CONV });
  // Usable again within its life (each reconnect of a flaky network).
  assert.deepEqual(await tokens.check(token), { ok: true, conversationId: CONV });
  now = expiresAt;
  assert.deepEqual(await tokens.check(token), { ok: false, reason: "expired" });
});

Deno.test("a forged or tampered resume token is refused", async () => {
  const tokens = new ResumeTokens("secret");
  const other = new ResumeTokens("another secret");
  const { token } = await other.issue(CONV);
  assert.deepEqual(await tokens.check(token), { ok: false, reason: "forged" });
  const [payload, signature] = (await tokens.issue(CONV)).token.split(".");
  const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
  const swapped = btoa(JSON.stringify({ ...claims, conv: "conv_SomeoneElse0123456789" }))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  assert.deepEqual(await tokens.check(`${swapped}.${signature}`), { ok: false, reason: "forged" });
  for (const bad of [null, 42, "", "a.b.c", "nodot", "x".repeat(600), "!!!.???"]) {
    assert.equal((await tokens.check(bad)).ok, false, String(bad));
  }
});

Deno.test("a ticket is not a resume token, with the same secret", async () => {
  const tickets = new TicketIssuer("secret", {
    ttlSeconds: 60,
    ledger: { redeem: () => Promise.resolve("ok") },
  });
  const { ticket } = await tickets.issue("addr:127.0.0.1");
  assert.deepEqual(await new ResumeTokens("secret").check(ticket), {
    ok: false,
    reason: "forged",
  });
});

Deno.test("resume tokens refuse a conversation id that is not one", async () => {
  await assert.rejects(() => new ResumeTokens("s").issue("../x"), TypeError);
  assert.throws(() => new ResumeTokens("s", { ttlMs: 0 }), RangeError);
});

Deno.test("relay.conversation carries the id, the token and its expiry in seconds", () => {
  const event = JSON.parse(
    conversationEvent(CONV, { token: "t.s", expiresAt: 1_700_000_000_999 }, false),
  );
  assert.deepEqual(event, {
    type: "relay.conversation",
    conversation_id: CONV,
    resume_token: "t.s",
    expires_at: 1_700_000_000,
  });
  const rolled = JSON.parse(conversationEvent(CONV, { token: "t.s", expiresAt: 0 }, true));
  assert.equal(rolled.rollover, true);
});
