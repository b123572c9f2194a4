/**
 * Relay tickets, issued and redeemed: the used set in this process's memory (`TicketIssuer`,
 * pruned in O(n) per redeem) beside the shared ledger in Deno KV (`TicketLedger`, one atomic
 * check-and-set per redeem), `:memory:` and a file, in the same run. Each group starts its
 * stores with 1,000 or 20,000 live used tickets (a minute of tickets at 17 or 333 a second),
 * and each iteration adds one.
 *
 *   deno bench --allow-read --allow-env --allow-write bench/ticket_store_bench.ts
 *
 * Without write permission (`deno task bench`), the file variant is skipped.
 */
import { TicketIssuer } from "../lib/server/tickets.ts";
import { openStore } from "../lib/server/store/kv.ts";
import { TicketLedger } from "../lib/server/store/tickets.ts";

const SECRET = "bench-secret-bench-secret-bench-secret";
/** Used tickets alive in each store before a group runs: a minute of tickets at 17/s and 333/s. */
const LIVE_TICKETS = [1_000, 20_000];
const encoder = new TextEncoder();

/** Verifies a ticket's signature and reads its claims, as `TicketIssuer.redeem` does. */
async function verify(key: CryptoKey, ticket: string): Promise<{ id: string; exp: number }> {
  const [payload, signature] = ticket.split(".");
  const valid = await crypto.subtle.verify(
    "HMAC",
    key,
    Uint8Array.fromBase64(signature, { alphabet: "base64url" }),
    encoder.encode(payload),
  );
  if (!valid) throw new Error("Cannot benchmark: a ticket did not verify");
  const claims = JSON.parse(
    new TextDecoder().decode(Uint8Array.fromBase64(payload, { alphabet: "base64url" })),
  );
  if (claims.exp <= Date.now()) throw new Error("Cannot benchmark: a ticket expired");
  return { id: claims.id, exp: claims.exp };
}

const key = await crypto.subtle.importKey(
  "raw",
  encoder.encode(SECRET),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["verify"],
);

/** The used set as `TicketIssuer` kept it before the KV ledger: a Map pruned in O(n). */
function mapLedger() {
  const used = new Map<string, number>();
  return {
    redeem(id: string, exp: number): Promise<"ok" | "reused"> {
      const now = Date.now();
      for (const [other, until] of used) if (until <= now) used.delete(other);
      if (used.has(id)) return Promise.resolve("reused");
      used.set(id, exp);
      return Promise.resolve("ok");
    },
  };
}

async function memoryVariant(live: number) {
  const issuer = new TicketIssuer(SECRET, { ttlSeconds: 60, ledger: mapLedger() });
  for (let i = 0; i < live; i++) await issuer.redeem((await issuer.issue("addr:b")).ticket);
  return async () => {
    const check = await issuer.redeem((await issuer.issue("addr:b")).ticket);
    if (!check.ok) throw new Error(`Cannot benchmark: a fresh ticket was ${check.reason}`);
  };
}

async function kvVariant(kv: Deno.Kv, live: number) {
  const issuer = new TicketIssuer(SECRET, { ttlSeconds: 60, ledger: mapLedger() }); // issues only
  const ledger = new TicketLedger(kv);
  for (let i = 0; i < live; i += 100) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(live, i + 100); j++) {
      op.set(["tickets", "used", `prefill-${live}-${j}`], 1, { expireIn: 90_000 });
    }
    await op.commit();
  }
  return async () => {
    const { ticket } = await issuer.issue("addr:b");
    const { id, exp } = await verify(key, ticket);
    if (await ledger.redeem(id, exp) !== "ok") {
      throw new Error("Cannot benchmark: a fresh ticket was refused");
    }
  };
}

const canWrite = Deno.permissions.querySync({ name: "write" }).state === "granted";
const filePath = canWrite ? await Deno.makeTempFile({ suffix: ".kv" }) : null;
const memoryKv = await openStore(":memory:");
const fileKv = filePath === null ? null : await openStore(filePath);

for (const live of LIVE_TICKETS) {
  const group = `ticket issue + redeem, ${live.toLocaleString("en")}+ live used tickets`;
  const file = fileKv === null ? null : await kvVariant(fileKv, live);
  Deno.bench({
    name: "in-memory used set (TicketIssuer before the KV ledger)",
    group,
    baseline: true,
    fn: await memoryVariant(live),
  });
  Deno.bench({ name: "KV ledger, :memory:", group, fn: await kvVariant(memoryKv, live) });
  Deno.bench({
    name: "KV ledger, SQLite file",
    group,
    ignore: file === null,
    fn: file ?? (() => {}),
  });
}

globalThis.addEventListener("unload", () => {
  if (filePath !== null) {
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(filePath + suffix);
      } catch { /* not there */ }
    }
  }
});
