import { deepEqual, equal, notEqual, rejects } from "node:assert/strict";
import { openStore } from "./store/kv.ts";
import { TicketLedger } from "./store/tickets.ts";
import { TicketIssuer } from "./tickets.ts";

async function issuer(now = { t: Date.now() }) {
  const kv = await openStore(":memory:");
  const ledger = new TicketLedger(kv, { now: () => now.t });
  return {
    now,
    kv,
    ledger,
    tickets: new TicketIssuer("secret-1", { ttlSeconds: 60, ledger, now: () => now.t }),
  };
}

Deno.test("TicketIssuer issues a ticket for a client that redeems once, with its client", async () => {
  const { tickets, now, kv } = await issuer();
  using _kv = kv;
  const { ticket, expiresAt } = await tickets.issue("addr:203.0.113.9");
  equal(expiresAt, now.t + 60_000);
  const check = await tickets.redeem(ticket);
  equal(check.ok, true);
  equal(check.ok && check.client, "addr:203.0.113.9");
  deepEqual(await tickets.redeem(ticket), { ok: false, reason: "reused" });
});

Deno.test("TicketIssuer: a ticket used through one issuer is reused through another on the same KV", async () => {
  const { tickets, kv, ledger } = await issuer();
  using _kv = kv;
  const other = new TicketIssuer("secret-1", { ttlSeconds: 60, ledger: new TicketLedger(kv) });
  const { ticket } = await tickets.issue("holder:abc");
  equal((await other.redeem(ticket)).ok, true);
  deepEqual(await tickets.redeem(ticket), { ok: false, reason: "reused" });
  equal(await ledger.redeem("never-issued", Date.now() + 1000), "ok");
});

Deno.test("TicketIssuer rejects missing, malformed, forged and expired tickets", async () => {
  const { tickets, now, kv, ledger } = await issuer();
  using _kv = kv;
  const { ticket } = await tickets.issue("addr:x");
  deepEqual(await tickets.redeem(null), { ok: false, reason: "missing" });
  deepEqual(await tickets.redeem("abc"), { ok: false, reason: "malformed" });
  deepEqual(await tickets.redeem("a.b.c"), { ok: false, reason: "malformed" });
  deepEqual(await tickets.redeem("!!!.???"), { ok: false, reason: "malformed" });
  const [payload, signature] = ticket.split(".");
  const flipped = signature[0] === "A" ? "B" + signature.slice(1) : "A" + signature.slice(1);
  deepEqual(await tickets.redeem(`${payload}.${flipped}`), { ok: false, reason: "forged" });
  const other = new TicketIssuer("secret-2", { ttlSeconds: 60, ledger, now: () => now.t });
  deepEqual(await other.redeem(ticket), { ok: false, reason: "forged" });
  now.t += 60_000;
  deepEqual(await tickets.redeem(ticket), { ok: false, reason: "expired" });
});

Deno.test("TicketIssuer tickets are unique, carry no secret, and need a client", async () => {
  const { tickets, kv } = await issuer();
  using _kv = kv;
  const a = await tickets.issue("addr:x");
  const b = await tickets.issue("addr:x");
  notEqual(a.ticket, b.ticket);
  equal(a.ticket.includes("secret-1"), false);
  await rejects(tickets.issue(""), TypeError);
  await rejects(tickets.issue("x".repeat(513)), TypeError);
});

Deno.test("TicketIssuer.redeem() throws when the ledger fails, and refuses no ticket for it", async () => {
  const { tickets, kv } = await issuer();
  const { ticket } = await tickets.issue("addr:x");
  kv.close();
  await rejects(tickets.redeem(ticket), /Cannot redeem the ticket: the KV store failed/);
});
