import { equal } from "node:assert/strict";
import { SilentUpstream } from "./silent_upstream.ts";
import { waitFor } from "./wait.ts";

Deno.test("SilentUpstream accepts, never answers, and tells when the peer leaves", async () => {
  await using upstream = new SilentUpstream();
  const port = Number(new URL(upstream.url).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode("GET /v1/realtime HTTP/1.1\r\n\r\n"));
  await waitFor(() => upstream.accepted.length === 1, { what: "accepted connection" });
  // Nothing comes back before the client gives up.
  const read = conn.read(new Uint8Array(16));
  const raced = await Promise.race([read, new Promise((r) => setTimeout(() => r("quiet"), 100))]);
  equal(raced, "quiet");
  conn.close();
  await upstream.accepted[0].ended;
  await read.catch(() => {});
});
