import { equal } from "node:assert/strict";
import { rawRequest, UPGRADE_HEADERS } from "./raw_http.ts";

Deno.test("rawRequest() sends exactly the headers given and reads the status, headers and body", async () => {
  await using server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) =>
      Response.json({ host: req.headers.get("host"), upgrade: req.headers.get("upgrade") }, {
        status: 418,
        headers: { "x-test": "yes" },
      }),
  );
  const { port } = server.addr;
  const reply = await rawRequest(port, "GET", "/x", { host: "chosen.example", ...UPGRADE_HEADERS });
  equal(reply.status, 418);
  equal(reply.headers.get("x-test"), "yes");
  equal(reply.body, JSON.stringify({ host: "chosen.example", upgrade: "websocket" }));
});
