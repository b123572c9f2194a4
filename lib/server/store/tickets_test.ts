import { equal, ok, rejects, throws } from "node:assert/strict";
import { TicketIssuer } from "../tickets.ts";
import { openStore } from "./kv.ts";
import { TicketLedger } from "./tickets.ts";
import { readKvRow } from "./_kv_file_rows.ts";

const IN_A_MINUTE = () => Date.now() + 60_000;

Deno.test("TicketLedger.redeem() is ok once per id, then reused", async () => {
  using kv = await openStore(":memory:");
  const ledger = new TicketLedger(kv);
  equal(await ledger.redeem("ticket-a", IN_A_MINUTE()), "ok");
  equal(await ledger.redeem("ticket-a", IN_A_MINUTE()), "reused");
  equal(await ledger.redeem("ticket-b", IN_A_MINUTE()), "ok");
});

Deno.test("TicketLedger: a ticket used on instance A is refused on instance B (one KV)", async () => {
  using kv = await openStore(":memory:");
  const a = new TicketLedger(kv);
  const b = new TicketLedger(kv);
  const ledger = { redeem: () => Promise.resolve("ok" as const) }; // the signature only
  const issuer = new TicketIssuer("secret-shared-by-both", { ttlSeconds: 60, ledger });
  const { ticket, expiresAt } = await issuer.issue("addr:x");
  const check = await issuer.redeem(ticket);
  equal(check.ok, true);
  const id = check.ok ? check.id : "";
  equal(await a.redeem(id, expiresAt), "ok");
  equal(await b.redeem(id, expiresAt), "reused");
});

Deno.test("TicketLedger: of 50 concurrent redeems of one id on two instances, exactly one is ok", async () => {
  using kv = await openStore(":memory:");
  const ledgers = [new TicketLedger(kv), new TicketLedger(kv)];
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => ledgers[i % 2].redeem("contended", IN_A_MINUTE())),
  );
  equal(results.filter((r) => r === "ok").length, 1);
  equal(results.filter((r) => r === "reused").length, 49);
});

Deno.test("TicketLedger: a used ticket stays used across a restart (file KV)", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const first = await openStore(path);
    equal(await new TicketLedger(first).redeem("before-restart", IN_A_MINUTE()), "ok");
    first.close();
    using again = await openStore(path);
    equal(await new TicketLedger(again).redeem("before-restart", IN_A_MINUTE()), "reused");
    equal(await new TicketLedger(again).redeem("after-restart", IN_A_MINUTE()), "ok");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("TicketLedger.redeem() refuses bad arguments and reports a failed store", async () => {
  const kv = await openStore(":memory:");
  const ledger = new TicketLedger(kv);
  await rejects(ledger.redeem("", IN_A_MINUTE()), TypeError);
  await rejects(ledger.redeem("x".repeat(257), IN_A_MINUTE()), TypeError);
  await rejects(ledger.redeem("id", Number.NaN), RangeError);
  throws(() => new TicketLedger(kv, { skewMs: -1 }), RangeError);
  kv.close();
  await rejects(
    ledger.redeem("id", IN_A_MINUTE()),
    /^Error: Cannot redeem the ticket: the KV store failed \(.+\); refuse the session/,
  );
});

Deno.test("TicketLedger: a used id expires skewMs after its ticket (file KV)", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const now = 1_800_000_000_000;
    const kv = await openStore(path);
    const ledger = new TicketLedger(kv, { now: () => now, skewMs: 5_000 });
    const before = Date.now();
    equal(await ledger.redeem("expiring", now + 60_000), "ok");
    const after = Date.now();
    kv.close();
    // KV counts expireIn from its own clock: 60 s of ticket + 5 s of margin from the commit.
    const expiresAt = readKvRow(path, ["tickets", "used", "expiring"])?.expiresAt ?? null;
    ok(expiresAt !== null, "the used id expires");
    ok(expiresAt >= before + 65_000 && expiresAt <= after + 65_000, String(expiresAt));
  } finally {
    await Deno.remove(path);
  }
});
