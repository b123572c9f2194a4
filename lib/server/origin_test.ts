import { deepEqual, equal, throws } from "node:assert/strict";
import { startTestServer, type TestServer } from "@/testing/server.ts";
import { rawRequest, UPGRADE_HEADERS } from "@/testing/raw_http.ts";
import { OriginPolicy } from "./origin.ts";

function req(headers: Record<string, string>, url = "http://coach.example:8000/api/relay") {
  return new Request(url, { headers });
}

Deno.test("OriginPolicy allows the loopback forms of the port by default, and no Origin", () => {
  const policy = new OriginPolicy({ port: 8000 });
  deepEqual(policy.origins, [
    "http://localhost:8000",
    "http://127.0.0.1:8000",
    "http://[::1]:8000",
  ]);
  for (const origin of policy.origins) equal(policy.allows(req({ origin })), true, origin);
  equal(policy.allows(req({})), true);
  equal(new OriginPolicy({ port: 80 }).allows(req({ origin: "http://localhost" })), true);
  equal(
    new OriginPolicy({ port: 8000, hostname: "192.0.2.5" }).allows(
      req({ origin: "http://192.0.2.5:8000" }),
    ),
    true,
    "a specific listening address counts",
  );
});

Deno.test("OriginPolicy never takes Host or X-Forwarded-Host as the server's own origin", () => {
  const policy = new OriginPolicy({ port: 8000 });
  const table: Record<string, string>[] = [
    { origin: "http://coach.example:8000", host: "coach.example:8000" },
    { origin: "http://evil.example", host: "evil.example" },
    { origin: "http://evil.example", "x-forwarded-host": "evil.example" },
    {
      origin: "https://evil.example",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "https",
    },
    { origin: "http://localhost:8001" },
    { origin: "https://localhost:8000" },
    { origin: "null" },
    { origin: "" },
    { origin: "http://localhost:8000/" },
  ];
  for (const headers of table) equal(policy.allows(req(headers)), false, JSON.stringify(headers));
  equal(
    policy.allows(req({ origin: "http://evil.example" }, "http://evil.example/api/relay")),
    false,
    "the request URL's own origin counts only on Deno Deploy",
  );
});

Deno.test("OriginPolicy: ALLOWED_ORIGINS replaces the loopback forms; PUBLIC_ORIGIN adds to either", () => {
  const listed = new OriginPolicy({
    port: 8000,
    allowedOrigins: ["https://app.example", "https://b.example"],
    publicOrigin: "https://coach.example.org",
  });
  deepEqual(listed.origins, [
    "https://app.example",
    "https://b.example",
    "https://coach.example.org",
  ]);
  equal(listed.allows(req({ origin: "https://b.example" })), true);
  equal(listed.allows(req({ origin: "https://coach.example.org" })), true);
  equal(listed.allows(req({ origin: "http://localhost:8000" })), false);
  const local = new OriginPolicy({ port: 8000, publicOrigin: "https://coach.example.org" });
  equal(local.allows(req({ origin: "https://coach.example.org" })), true);
  equal(local.allows(req({ origin: "http://127.0.0.1:8000" })), true);
});

Deno.test("OriginPolicy: on Deno Deploy the request's own origin counts", () => {
  const policy = new OriginPolicy({ port: 8000, deployment: true });
  const url = "https://coach-abc123.deno.dev/api/relay";
  equal(policy.allows(req({ origin: "https://coach-abc123.deno.dev" }, url)), true);
  equal(policy.allows(req({ origin: "http://coach-abc123.deno.dev" }, url)), false);
  equal(policy.allows(req({ origin: "https://evil.example" }, url)), false);
  // TLS ends at Deploy's edge: the runtime may see plain http (or a unix socket), the browser
  // sent https to the Host it asked for.
  const inner = "http://coach-abc123.deno.dev/api/relay";
  const host = { host: "coach-abc123.deno.dev" };
  equal(policy.allows(req({ origin: "https://coach-abc123.deno.dev", ...host }, inner)), true);
  equal(policy.allows(req({ origin: "https://evil.example", ...host }, inner)), false);
  const socket = "http+unix://%2Ftmp%2Fdeploy.sock/api/relay";
  equal(policy.allows(req({ origin: "https://coach-abc123.deno.dev", ...host }, socket)), true);
  // Without a deployment, Host counts for nothing.
  const local = new OriginPolicy({ port: 8000 });
  equal(local.allows(req({ origin: "https://coach-abc123.deno.dev", ...host }, inner)), false);
});

Deno.test("OriginPolicy: with trustProxy the forwarded proto and host count", () => {
  const policy = new OriginPolicy({ port: 8000, trustProxy: true });
  const url = "http://10.0.0.5:8000/api/relay";
  const forwarded = { "x-forwarded-proto": "https", "x-forwarded-host": "coach.example.org" };
  equal(policy.allows(req({ origin: "https://coach.example.org", ...forwarded }, url)), true);
  equal(policy.allows(req({ origin: "http://coach.example.org", ...forwarded }, url)), false);
  equal(
    policy.allows(req({
      origin: "https://coach.example.org",
      "x-forwarded-proto": "https, http",
      "x-forwarded-host": "coach.example.org, inner.example",
    }, url)),
    true,
    "the first of each list",
  );
  equal(
    policy.allows(req({ origin: "http://coach.example.org", host: "coach.example.org" }, url)),
    true,
    "Host with the request's scheme when the proxy sets no X-Forwarded-Host",
  );
  equal(
    policy.allows(req({
      origin: "https://coach.example.org",
      "x-forwarded-proto": "javascript",
      "x-forwarded-host": "coach.example.org",
    }, url)),
    false,
  );
});

Deno.test("OriginPolicy refuses a port it cannot listen on", () => {
  throws(() => new OriginPolicy({ port: -1 }), RangeError);
  throws(() => new OriginPolicy({ port: 70000 }), /Cannot make an origin policy/);
});

// ---- the real server: every header sent as written (fetch would rewrite Host) ---------------

/** POST /api/session from `origin` with `headers`; the status. */
async function ticketStatus(server: TestServer, headers: Record<string, string>) {
  const res = await rawRequest(server.port, "POST", "/api/session", {
    host: `127.0.0.1:${server.port}`,
    "content-length": "0",
    ...headers,
  });
  return res.status;
}

/** A WebSocket upgrade of /api/relay with a valid ticket and `headers`; the status. */
async function relayStatus(server: TestServer, headers: Record<string, string>) {
  const { relay } = await (await fetch(`${server.url}/api/session`, { method: "POST" })).json();
  const res = await rawRequest(server.port, "GET", relay, {
    host: `127.0.0.1:${server.port}`,
    ...UPGRADE_HEADERS,
    ...headers,
  });
  return res.status;
}

const ENV = { TICKET_RATE_PER_CLIENT: "off" };

Deno.test("server: an evil Origin is refused (403) even with Host and X-Forwarded-Host spoofed to match it", async () => {
  await using server = await startTestServer(ENV);
  const spoofs: Record<string, string>[] = [
    { origin: "http://evil.example", host: "evil.example" },
    { origin: `http://evil.example:${server.port}`, host: `evil.example:${server.port}` },
    { origin: "https://evil.example", "x-forwarded-host": "evil.example" },
    {
      origin: "https://evil.example",
      host: "evil.example",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "https",
    },
  ];
  for (const spoof of spoofs) {
    equal(await ticketStatus(server, spoof), 403, `ticket ${JSON.stringify(spoof)}`);
    equal(await relayStatus(server, spoof), 403, `relay ${JSON.stringify(spoof)}`);
  }
});

Deno.test("server: the loopback forms of the listening port, and no Origin, are allowed", async () => {
  await using server = await startTestServer(ENV);
  for (const host of ["localhost", "127.0.0.1", "[::1]"]) {
    const origin = `http://${host}:${server.port}`;
    equal(await ticketStatus(server, { origin }), 200, origin);
    equal(await relayStatus(server, { origin }), 101, origin);
  }
  equal(await ticketStatus(server, {}), 200);
  equal(await relayStatus(server, {}), 101);
  equal(await ticketStatus(server, { origin: `http://localhost:${server.port + 1}` }), 403);
});

Deno.test("server: PUBLIC_ORIGIN is allowed beside the loopback forms; ALLOWED_ORIGINS replaces them", async () => {
  {
    await using server = await startTestServer({
      ...ENV,
      PUBLIC_ORIGIN: "https://coach.example.org",
    });
    equal(await ticketStatus(server, { origin: "https://coach.example.org" }), 200);
    equal(await relayStatus(server, { origin: "https://coach.example.org" }), 101);
    equal(await ticketStatus(server, { origin: server.url }), 200);
    equal(await ticketStatus(server, { origin: "https://other.example.org" }), 403);
  }
  {
    await using server = await startTestServer({
      ...ENV,
      ALLOWED_ORIGINS: "https://app.example",
      PUBLIC_ORIGIN: "https://coach.example.org",
    });
    equal(await ticketStatus(server, { origin: "https://app.example" }), 200);
    equal(await ticketStatus(server, { origin: "https://coach.example.org" }), 200);
    equal(await ticketStatus(server, { origin: server.url }), 403);
    equal(await relayStatus(server, { origin: server.url }), 403);
  }
});

Deno.test("server: with DENO_DEPLOYMENT_ID the request's own origin is allowed", async () => {
  const own = { origin: "http://coach.example", host: "coach.example" };
  {
    await using server = await startTestServer({ ...ENV, DENO_DEPLOYMENT_ID: "abc123" });
    equal(await ticketStatus(server, own), 200);
    equal(await relayStatus(server, own), 101);
    equal(
      await ticketStatus(server, { origin: "http://evil.example", host: "coach.example" }),
      403,
    );
  }
  {
    await using server = await startTestServer(ENV);
    equal(await ticketStatus(server, own), 403, "not without a deployment");
  }
});

Deno.test("server: with TRUST_PROXY the origin the proxy forwards is allowed", async () => {
  const forwarded = {
    origin: "https://coach.example.org",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "coach.example.org",
  };
  {
    await using server = await startTestServer({ ...ENV, TRUST_PROXY: "1" });
    equal(await ticketStatus(server, forwarded), 200);
    equal(await relayStatus(server, forwarded), 101);
    equal(await ticketStatus(server, { ...forwarded, origin: "https://evil.example" }), 403);
  }
  {
    await using server = await startTestServer(ENV);
    equal(await ticketStatus(server, forwarded), 403, "not without TRUST_PROXY");
  }
});
