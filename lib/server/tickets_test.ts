import { deepEqual, equal, notEqual } from "node:assert/strict";
import { TicketIssuer } from "./tickets.ts";

function issuer(now = { t: 1_000_000 }) {
  return { now, tickets: new TicketIssuer("secret-1", { ttlSeconds: 60, now: () => now.t }) };
}

Deno.test("TicketIssuer issues a ticket that redeems once", async () => {
  const { tickets, now } = issuer();
  const { ticket, expiresAt } = await tickets.issue();
  equal(expiresAt, now.t + 60_000);
  equal((await tickets.redeem(ticket)).ok, true);
  deepEqual(await tickets.redeem(ticket), { ok: false, reason: "reused" });
});

Deno.test("TicketIssuer rejects missing, malformed, forged and expired tickets", async () => {
  const { tickets, now } = issuer();
  const { ticket } = await tickets.issue();
  deepEqual(await tickets.redeem(null), { ok: false, reason: "missing" });
  deepEqual(await tickets.redeem("abc"), { ok: false, reason: "malformed" });
  deepEqual(await tickets.redeem("a.b.c"), { ok: false, reason: "malformed" });
  deepEqual(await tickets.redeem("!!!.???"), { ok: false, reason: "malformed" });
  const [payload, signature] = ticket.split(".");
  const flipped = signature[0] === "A" ? "B" + signature.slice(1) : "A" + signature.slice(1);
  deepEqual(await tickets.redeem(`${payload}.${flipped}`), { ok: false, reason: "forged" });
  const other = new TicketIssuer("secret-2", { ttlSeconds: 60, now: () => now.t });
  deepEqual(await other.redeem(ticket), { ok: false, reason: "forged" });
  now.t += 60_000;
  deepEqual(await tickets.redeem(ticket), { ok: false, reason: "expired" });
});

Deno.test("TicketIssuer tickets are unique and carry no secret", async () => {
  const { tickets } = issuer();
  const a = await tickets.issue();
  const b = await tickets.issue();
  notEqual(a.ticket, b.ticket);
  equal(a.ticket.includes("secret-1"), false);
});
