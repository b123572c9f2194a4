import { equal, match } from "node:assert/strict";
import { startApp } from "./app.ts";
import { loadConfig } from "@/lib/server/config.ts";

Deno.test("startApp() serves the routes of the manifest with the server's services", async () => {
  const logs: string[] = [];
  const server = await startApp(
    loadConfig({ PORT: "0", HOSTNAME: "127.0.0.1", LOG_LEVEL: "info" }),
    { logSink: (line) => logs.push(line), assets: { "client.js": "/_fresh/client.js" } },
  );
  try {
    const page = await fetch(server.url);
    equal(page.status, 200);
    match(page.headers.get("content-type") ?? "", /text\/html/);
    match(await page.text(), /data-voice-state|<html/);
    const health = await fetch(`${server.url}/healthz`);
    equal((await health.json()).status, "ok");
    const missing = await fetch(`${server.url}/no-such-route`);
    equal(missing.status, 404);
    await missing.body?.cancel();
    match(logs.join("\n"), /"msg":"listening"/);
  } finally {
    await server.shutdown();
  }
});
