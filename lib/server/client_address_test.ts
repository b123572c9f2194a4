import { equal, rejects } from "node:assert/strict";
import { startTestServer } from "@/testing/server.ts";
import { relayUrl, TestClient } from "@/testing/ws_client.ts";
import { clientAddress, normalizeAddress, UNKNOWN_CLIENT } from "./client_address.ts";

function peer(hostname: string): Deno.NetAddr {
  return { transport: "tcp", hostname, port: 40000 };
}

function req(forwardedFor?: string): Request {
  return new Request("http://coach.example/api/session", {
    method: "POST",
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  });
}

Deno.test("normalizeAddress() gives IP literals one normal form", () => {
  const table: [string, string][] = [
    ["192.0.2.1", "192.0.2.1"],
    ["192.0.2.1:8443", "192.0.2.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["2001:db8::1", "2001:db8::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:c000:0201", "192.0.2.1"],
    ["[::ffff:127.0.0.1]:9000", "127.0.0.1"],
    ["64:ff9b::192.0.2.1", "64:ff9b::c000:201"],
  ];
  for (const [input, expected] of table) equal(normalizeAddress(input), expected, input);
});

Deno.test("normalizeAddress() refuses anything that is not an IP literal", () => {
  const garbage = [
    "",
    "unknown",
    "coach.example",
    "localhost",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.4:",
    "1.2.3.4:port",
    "1.2.3.4:123456",
    "1",
    "0x7f.0.0.1",
    "[1.2.3.4]",
    "[::1",
    "[::1]x",
    "[::1]:",
    "::1::2",
    "2001:db8::g",
    "fe80::1%eth0",
    "1.2.3.4 5.6.7.8",
    "_gazonk",
    "1:2:3:4:5:6:7:8:9",
    `${"1:".repeat(30)}1`,
  ];
  for (const input of garbage) equal(normalizeAddress(input), null, JSON.stringify(input));
});

Deno.test("clientAddress() is the TCP peer unless a trusted proxy names the client", () => {
  equal(clientAddress(req(), peer("203.0.113.9"), { trustProxy: false }), "203.0.113.9");
  equal(
    clientAddress(req("198.51.100.7"), peer("203.0.113.9"), { trustProxy: false }),
    "203.0.113.9",
  );
  equal(clientAddress(req("198.51.100.7"), peer("203.0.113.9"), {}), "203.0.113.9");
  equal(clientAddress(req(), peer("::ffff:203.0.113.9"), { trustProxy: false }), "203.0.113.9");
  equal(clientAddress(req(), null, { trustProxy: false }), UNKNOWN_CLIENT);
});

Deno.test("clientAddress() takes the first X-Forwarded-For hop with trustProxy, trimmed and normalised", () => {
  const trust = { trustProxy: true };
  const proxy = peer("10.0.0.2");
  equal(clientAddress(req("198.51.100.7"), proxy, trust), "198.51.100.7");
  equal(clientAddress(req("  198.51.100.7 , 10.0.0.1, 10.0.0.2"), proxy, trust), "198.51.100.7");
  equal(clientAddress(req("2001:DB8::0:1, 10.0.0.1"), proxy, trust), "2001:db8::1");
  equal(clientAddress(req("[2001:db8::1]:5555"), proxy, trust), "2001:db8::1");
  equal(clientAddress(req("198.51.100.7:5555"), proxy, trust), "198.51.100.7");
  equal(clientAddress(req("198.51.100.7"), null, trust), "198.51.100.7");
});

Deno.test("clientAddress() falls back to the TCP peer when the forwarded hop is garbage", () => {
  const trust = { trustProxy: true };
  const proxy = peer("10.0.0.2");
  for (
    const header of [
      "",
      " ",
      ",198.51.100.7",
      "unknown, 198.51.100.7",
      "coach.example",
      "198.51.100.7 198.51.100.8",
      "<script>",
      `198.51.100.7${" ".repeat(100)}, 10.0.0.1`,
      `${"9".repeat(100_000)}, 198.51.100.7`,
    ]
  ) {
    equal(
      clientAddress(req(header), proxy, trust),
      "10.0.0.2",
      JSON.stringify(header.slice(0, 40)),
    );
  }
  equal(clientAddress(req("unknown"), null, trust), UNKNOWN_CLIENT);
});

/** POSTs /api/session `times` times with `forwardedFor`; returns the statuses. */
async function ticketStatuses(url: string, forwardedFor: string, times: number) {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${url}/api/session`, {
      method: "POST",
      headers: { "x-forwarded-for": forwardedFor },
    });
    await res.body?.cancel();
    statuses.push(res.status);
  }
  return statuses;
}

Deno.test("tickets: X-Forwarded-For is ignored without TRUST_PROXY (one bucket for every claimed client)", async () => {
  await using server = await startTestServer({ TICKET_RATE_PER_CLIENT: "10/min,burst=2" });
  equal((await ticketStatuses(server.url, "198.51.100.1", 2)).join(), "200,200");
  // A new claimed address does not buy a new bucket: the TCP peer is the client.
  equal((await ticketStatuses(server.url, "198.51.100.2", 1)).join(), "429");
  equal((await ticketStatuses(server.url, "2001:db8::3", 1)).join(), "429");
});

Deno.test("tickets: with TRUST_PROXY two clients behind one proxy get separate buckets", async () => {
  await using server = await startTestServer({
    TICKET_RATE_PER_CLIENT: "10/min,burst=2",
    TRUST_PROXY: "1",
  });
  equal((await ticketStatuses(server.url, "198.51.100.1, 10.0.0.1", 3)).join(), "200,200,429");
  equal((await ticketStatuses(server.url, "198.51.100.2, 10.0.0.1", 3)).join(), "200,200,429");
  // The same client in another spelling is the same client.
  equal((await ticketStatuses(server.url, "::ffff:198.51.100.2", 1)).join(), "429");
  // A garbage hop is the proxy itself (the TCP peer), with a bucket of its own.
  equal((await ticketStatuses(server.url, "unknown", 3)).join(), "200,200,429");
});

Deno.test("relay: sessions per client count the forwarded client with TRUST_PROXY only", async () => {
  const env = { MAX_SESSIONS_PER_CLIENT: "1", TICKET_RATE_PER_CLIENT: "off" };
  // The client is the one the ticket was issued to: the hop goes on the ticket request.
  const from = async (url: string, hop: string) => {
    const headers = { "x-forwarded-for": hop };
    return await TestClient.connect(await relayUrl(url, headers), { headers });
  };
  {
    await using server = await startTestServer({ ...env, TRUST_PROXY: "1" });
    const a = await from(server.url, "198.51.100.1");
    const b = await from(server.url, "198.51.100.2");
    await rejects(from(server.url, "198.51.100.1"), /HTTP 429/);
    await a.close();
    await b.close();
  }
  {
    await using server = await startTestServer(env);
    const a = await from(server.url, "198.51.100.1");
    await rejects(from(server.url, "198.51.100.2"), /HTTP 429/);
    await a.close();
  }
});
