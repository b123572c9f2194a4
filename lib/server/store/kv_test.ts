import { equal, match, ok, rejects } from "node:assert/strict";
import { describeKvPath, kvHealthy, openStore } from "./kv.ts";
import { startFakeKvConnect } from "./_kv_connect_fake.ts";

const TOKEN_VAR = "DENO_KV_ACCESS_TOKEN";

/** Runs `fn` with `DENO_KV_ACCESS_TOKEN` set to `value` (or unset), then puts it back. */
async function withToken(value: string | null, fn: () => Promise<void>): Promise<void> {
  const before = Deno.env.get(TOKEN_VAR);
  if (value === null) Deno.env.delete(TOKEN_VAR);
  else Deno.env.set(TOKEN_VAR, value);
  try {
    await fn();
  } finally {
    if (before === undefined) Deno.env.delete(TOKEN_VAR);
    else Deno.env.set(TOKEN_VAR, before);
  }
}

Deno.test("openStore() opens :memory: and a file, and a file keeps what was written", async () => {
  using memory = await openStore(":memory:");
  await memory.set(["k"], 1);
  equal((await memory.get(["k"])).value, 1);

  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const first = await openStore(path);
    await first.set(["k"], "kept");
    first.close();
    using again = await openStore(path);
    equal((await again.get(["k"])).value, "kept");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("openStore() twice on one file in one process: the handles share data, and a check holds across them", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    using a = await openStore(path);
    using b = await openStore(path);
    await a.set(["seen"], 42);
    equal((await b.get(["seen"])).value, 42);
    const once = { key: ["once"], versionstamp: null };
    ok((await a.atomic().check(once).set(["once"], "a").commit()).ok);
    equal((await b.atomic().check(once).set(["once"], "b").commit()).ok, false);
    // Concurrent checked writes through two handles: some fail with "database is locked"
    // (measured: 6-12 % of 200), which is why the server opens one handle per process. Never
    // more than one wins.
    const results = await Promise.allSettled(
      Array.from(
        { length: 40 },
        (_, i) =>
          (i % 2 ? a : b).atomic().check({ key: ["race"], versionstamp: null })
            .set(["race"], i).commit(),
      ),
    );
    const winners = results.filter((r) => r.status === "fulfilled" && r.value.ok).length;
    ok(winners <= 1, `${winners} check-and-sets of one key won`);
    for (const r of results) {
      if (r.status === "rejected") match(String(r.reason), /database is locked/);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("openStore() names KV_PATH and what to do when the file cannot be opened", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/missing/coach.kv`;
    await rejects(openStore(path), (error: Error) => {
      match(error.message, /^Cannot open the KV store KV_PATH=.*missing\/coach\.kv: /);
      match(error.message, /; set KV_PATH to a file in a directory the server may write/);
      ok(error.cause instanceof Error);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openStore() of a denokv URL without DENO_KV_ACCESS_TOKEN says so", async () => {
  await using fake = startFakeKvConnect();
  await withToken(null, async () => {
    await rejects(openStore(`${fake.url}?token=hidden`), (error: Error) => {
      match(error.message, /^Cannot open the KV store KV_PATH=http:\/\/127\.0\.0\.1:\d+\/: /);
      match(error.message, /DENO_KV_ACCESS_TOKEN/);
      ok(!error.message.includes("hidden"), "the URL's query is left out");
      return true;
    });
  });
  equal(fake.calls.length, 0);
});

Deno.test("openStore() gives up on a store that does not answer within timeoutMs", async () => {
  await using fake = startFakeKvConnect({ holdMetadata: true });
  await withToken("test-token-for-the-fake", async () => {
    await rejects(
      openStore(fake.url, { timeoutMs: 150 }),
      /^Error: Cannot open the KV store KV_PATH=http:\/\/127\.0\.0\.1:\d+\/: no answer within 150 ms; check that the denokv server is up/,
    );
    equal(fake.calls[0], "POST /");
    fake.release(); // the held exchange fails now (400), and Deno's client stops
  });
  await rejects(openStore(":memory:", { timeoutMs: 0 }), RangeError);
});

Deno.test("describeKvPath() keeps paths and drops a URL's credentials and query", () => {
  equal(describeKvPath("/var/lib/coach.kv"), "/var/lib/coach.kv");
  equal(describeKvPath(":memory:"), ":memory:");
  equal(
    describeKvPath("https://user:secret@kv.example.org:4512/db?token=abc"),
    "https://kv.example.org:4512/db",
  );
});

Deno.test("kvHealthy() is ok for an open store and degraded for a closed one", async () => {
  const kv = await openStore(":memory:");
  equal(await kvHealthy(kv, 1000), "ok");
  kv.close();
  equal(await kvHealthy(kv, 1000), "degraded");
  await rejects(kvHealthy(kv, 0), RangeError);
});

Deno.test("kvHealthy() is degraded when a remote store does not answer, and joins the probe in flight", async () => {
  await using fake = startFakeKvConnect();
  await withToken("test-token-for-the-fake", async () => {
    using kv = await openStore(fake.url);
    equal(await kvHealthy(kv, 100), "degraded");
    const reads = () => fake.calls.filter((c) => c.endsWith("/snapshot_read")).length;
    equal(reads(), 1);
    equal(await kvHealthy(kv, 100), "degraded");
    equal(reads(), 1, "a second probe while the first is held sends no second read");
    fake.release(); // the held read fails (400) and ends
    equal(await kvHealthy(kv, 2000), "degraded");
    equal(await kvHealthy(kv, 2000), "degraded");
    ok(reads() >= 2, "once the held probe ended, a new one is sent");
  });
});
