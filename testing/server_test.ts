import { equal, match, ok, rejects } from "node:assert/strict";
import { freePort, metric, readMetrics, startTestServer } from "./server.ts";

Deno.test("startTestServer() serves the app on a free loopback port and keeps its log lines", async () => {
  await using server = await startTestServer({ LOG_LEVEL: "info" });
  match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  equal(server.port, Number(new URL(server.url).port));
  const health = await fetch(`${server.url}/healthz`);
  equal(health.status, 200);
  equal((await health.json()).status, "ok");
  ok(server.logs.some((line) => line.includes('"msg":"listening"')));
});

Deno.test("metric() reads one series from /metrics, 0 when absent", async () => {
  await using server = await startTestServer();
  const text = await readMetrics(server.url);
  equal(metric(text, "relay_sessions_active"), 0);
  equal(metric('a_total{x="1"} 12\na_total 3\n', 'a_total{x="1"}'), 12);
  equal(metric(text, "no_such_series"), 0);
});

Deno.test("freePort() gives a port nothing listens on", async () => {
  const port = freePort();
  ok(port > 0);
  await rejects(Deno.connect({ hostname: "127.0.0.1", port }), Deno.errors.ConnectionRefused);
});
