/**
 * Connections cannot take the process down: a server limited to 400 descriptors survives 600
 * idle or half-sent connections (its listener fails with EMFILE and is restarted) and answers
 * `/healthz` once they close; `MAX_SESSIONS` refuses relay sessions beyond the cap with 503
 * before the upgrade; a malformed upgrade does not keep its session slot.
 */
import { equal, match, ok } from "node:assert/strict";
import { rawRequest, UPGRADE_HEADERS } from "@/testing/raw_http.ts";
import { startTestServer } from "@/testing/server.ts";
import { startServerProcess } from "@/testing/server_process.ts";
import { sleep, waitFor } from "@/testing/wait.ts";
import { openRelay, relayUrl } from "@/testing/ws_client.ts";

/** The descriptor limit the server runs under (soft and hard). */
const OPEN_FILES = 400;
/** Idle connections opened against it: well past the limit. */
const IDLE_CONNECTIONS = 600;

/** Lines of `logs` whose message is `msg`. */
function logged(logs: string[], msg: string): string[] {
  return logs.filter((line) => line.includes(`"msg":"${msg}"`));
}

/**
 * GET `url` on a new connection (no keep-alive pool: a connection accepted before the listener
 * failed is still served, and would prove nothing) with a 1 s deadline; null when it cannot
 * connect or times out.
 */
async function tryGet(url: string): Promise<Response | null> {
  using client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  try {
    const res = await fetch(url, { client, signal: AbortSignal.timeout(1000) });
    return new Response(await res.arrayBuffer(), res);
  } catch {
    return null;
  }
}

Deno.test({
  name:
    "a server limited to 400 descriptors survives 600 idle connections and serves once they close",
  async fn() {
    await using server = await startServerProcess({}, { openFiles: OPEN_FILES });
    equal((await tryGet(`${server.url}/healthz`))?.status, 200);
    const conns: Deno.Conn[] = [];
    let refused = 0;
    const halfLine = new TextEncoder().encode("GET /healthz HT");
    try {
      // 600 attempts: once descriptors run out the listener is down and the rest are refused.
      for (let i = 0; i < IDLE_CONNECTIONS; i++) {
        try {
          const conn = await Deno.connect({
            hostname: "127.0.0.1",
            port: server.port,
            signal: AbortSignal.timeout(2000),
          });
          conns.push(conn);
          // Half of them send half a request line, the others nothing at all.
          if (i % 2 === 1) await conn.write(halfLine).catch(() => {});
        } catch {
          refused++;
        }
      }
      equal(conns.length + refused, IDLE_CONNECTIONS);
      ok(conns.length >= OPEN_FILES / 2, `only ${conns.length} connections held`);
      await sleep(500);
      ok(server.alive(), `the server exited:\n${server.logs.join("\n")}`);
      // It ran out: the listener failed, once, and said so in one line.
      equal(
        logged(server.logs, "listener failed; restarting it").length,
        1,
        server.logs.join("\n"),
      );
    } finally {
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed by a reset */ }
      }
    }
    // Descriptors free again: /healthz answers on a new connection within a few seconds, and
    // reports the listener back (it may answer "degraded" until the listener proved itself).
    // deno-lint-ignore no-explicit-any
    let report: any = null;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && report?.listener.status !== "ok") {
      const health = await tryGet(`${server.url}/healthz`);
      if (health?.status === 200) report = await health.json();
      else await sleep(100);
    }
    ok(report, "no /healthz within 10 s after the connections closed");
    equal(report.status, "ok");
    equal(report.listener.status, "ok");
    ok(report.listener.restarts >= 1, JSON.stringify(report));
    const metrics = await (await tryGet(`${server.url}/metrics`))!.text();
    match(metrics, /^relay_listener_restarts_total [1-9]\d*$/m);
    equal(logged(server.logs, "listener serves again").length, 1);
    ok(server.alive());
    ok(
      !server.logs.some((line) => /Uncaught|unhandled/i.test(line)),
      server.logs.join("\n"),
    );
  },
});

Deno.test("MAX_SESSIONS refuses relay sessions beyond the cap with 503 before the upgrade", async () => {
  await using server = await startTestServer({
    MAX_SESSIONS: "2",
    MAX_SESSIONS_PER_CLIENT: "4",
    TICKET_RATE_PER_CLIENT: "off",
  });
  const first = await openRelay(server.url);
  const second = await openRelay(server.url);
  const relay = new URL(await relayUrl(server.url));
  const refused = await rawRequest(server.port, "GET", relay.pathname + relay.search, {
    host: `127.0.0.1:${server.port}`,
    ...UPGRADE_HEADERS,
  });
  equal(refused.status, 503);
  equal(refused.headers.get("retry-after"), "5");
  match(JSON.parse(refused.body).error, /^Cannot relay: the server is at its session limit/);
  match(
    await server.state.metrics.text(),
    /^relay_rejected_connections_total\{status="503"\} 1$/m,
  );
  // Tickets are still issued, and a slot freed by a session that ended is given out again.
  await first.close();
  await waitFor(() => server.state.sessions.reserved <= 1, { what: "a freed slot" });
  const third = await openRelay(server.url);
  equal(server.state.sessions.reserved, 2);
  await second.close();
  await third.close();
});

Deno.test("a malformed relay upgrade gets 400 and does not keep its session slot", async () => {
  await using server = await startTestServer({ MAX_SESSIONS: "1" });
  const { relay } = await (await fetch(`${server.url}/api/session`, { method: "POST" })).json();
  const reply = await rawRequest(server.port, "GET", relay, {
    host: `127.0.0.1:${server.port}`,
    upgrade: "websocket",
    connection: "Upgrade",
  });
  equal(reply.status, 400);
  match(JSON.parse(reply.body).error, /^Cannot relay: .*sec-websocket-key/);
  equal(server.state.sessions.reserved, 0);
  // The one slot is still free.
  const client = await openRelay(server.url);
  await client.close();
});
