import { deepEqual, equal } from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { connectUpstream, listenUpstream, upstreamTarget } from "./upstream.ts";

Deno.test("upstreamTarget() builds the OpenAI GA URL and Bearer header, and honours REALTIME_URL", () => {
  const openai = upstreamTarget(
    loadConfig({ OPENAI_API_KEY: "sk-a", REALTIME_MODEL: "gpt-realtime-mini" }),
    "",
    "",
  );
  equal(openai.url, "wss://api.openai.com/v1/realtime?model=gpt-realtime-mini");
  deepEqual(openai.headers, { Authorization: "Bearer sk-a" });
  const custom = upstreamTarget(
    loadConfig({ OPENAI_API_KEY: "sk-a", REALTIME_URL: "https://gw.example/v1/realtime?model=x" }),
    "",
    "",
  );
  equal(custom.url, "wss://gw.example/v1/realtime?model=x");
});

Deno.test("upstreamTarget() builds the Azure GA URL with the deployment as model and no api-version", () => {
  const target = upstreamTarget(
    loadConfig({
      AZURE_OPENAI_ENDPOINT: "https://res.openai.azure.com/",
      AZURE_OPENAI_API_KEY: "az",
      AZURE_OPENAI_DEPLOYMENT: "rt",
    }),
    "",
    "",
  );
  equal(target.url, "wss://res.openai.azure.com/openai/v1/realtime?model=rt");
  deepEqual(target.headers, { "api-key": "az" });
});

Deno.test("upstreamTarget() points local mode at this server's emulator", () => {
  const target = upstreamTarget(loadConfig({}), "http://127.0.0.1:4321", "local-key");
  equal(target.url, "ws://127.0.0.1:4321/v1/realtime?model=gpt-realtime");
  deepEqual(target.headers, { Authorization: "Bearer local-key" });
});

/** A server that answers the upgrade and sends `first` in the very same TCP write. */
function eagerServer(first: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      const n = (await conn.read(buf)) ?? 0;
      const request = new TextDecoder().decode(buf.subarray(0, n));
      const key = /sec-websocket-key: (\S+)/i.exec(request)![1];
      const digest = await crypto.subtle.digest(
        "SHA-1",
        new TextEncoder().encode(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
      );
      const accept = new Uint8Array(digest).toBase64();
      const payload = new TextEncoder().encode(first);
      const head = new TextEncoder().encode(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      const frame = new Uint8Array(head.length + 2 + payload.length);
      frame.set(head);
      frame.set([0x81, payload.length], head.length);
      frame.set(payload, head.length + 2);
      await conn.write(frame);
    }
  })();
  return listener;
}

Deno.test("listenUpstream() delivers a message that arrived in the same read as the 101", async () => {
  const first = '{"type":"session.created"}';
  const listener = eagerServer(first);
  const url = `ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/v1/realtime?model=m`;
  const socket = await connectUpstream({ kind: "openai", url, headers: {} }, { timeoutMs: 2000 });
  // Whatever the socket read meanwhile waits for the listener.
  await new Promise((r) => setTimeout(r, 50));
  const got: string[] = [];
  listenUpstream(socket, (data) => got.push(data.toString()));
  deepEqual(got, [first]);
  socket.terminate();
  listener.close();
});
