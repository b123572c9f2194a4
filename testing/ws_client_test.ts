import { deepEqual, equal, match, rejects } from "node:assert/strict";
import { type Json, TestClient, tryOpenRelay } from "./ws_client.ts";

/**
 * A server that greets with `a`, `b`, `c`, answers every text frame `{"type":"x",…}` with
 * `{"type":"echo","of":…}`, a `conversation.item.retrieve` with an error echoing its
 * event_id, and `{"type":"bye"}` with a close 4001; it refuses `/private` with 403.
 */
function startServer() {
  return Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/private") return new Response("no", { status: 403 });
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => {
      for (const type of ["a", "b", "c"]) socket.send(JSON.stringify({ type }));
    };
    socket.onmessage = (e) => {
      if (typeof e.data !== "string") return socket.send(JSON.stringify({ type: "binary" }));
      const event: Json = JSON.parse(e.data);
      if (event.type === "bye") return socket.close(4001, "asked to");
      if (event.type === "conversation.item.retrieve") {
        return socket.send(JSON.stringify({
          type: "error",
          error: { code: "item_retrieve_invalid_item_id", event_id: event.event_id },
        }));
      }
      socket.send(JSON.stringify({ type: "echo", of: event }));
    };
    return response;
  });
}

function url(server: Deno.HttpServer<Deno.NetAddr>, path = "/"): string {
  return `ws://127.0.0.1:${server.addr.port}${path}`;
}

Deno.test("TestClient.next() reads in order, or skips to a type or a match", async () => {
  await using server = startServer();
  await using client = await TestClient.connect(url(server));
  equal((await client.next()).type, "a");
  equal((await client.next("c")).type, "c");
  client.send({ type: "x", n: 1 });
  client.send({ type: "x", n: 2 });
  equal((await client.next((e) => e.of?.n === 2)).of.n, 2);
  equal(client.hasUnread, false);
  deepEqual(client.received.map((e) => e.type), ["a", "b", "c", "echo", "echo"]);
});

Deno.test("TestClient.until() returns the events up to a type; waitFor() looks at every event", async () => {
  await using server = startServer();
  await using client = await TestClient.connect(url(server));
  deepEqual((await client.until("b")).map((e) => e.type), ["a", "b"]);
  equal((await client.waitFor((e) => e.type === "a")).type, "a");
  client.send(new Uint8Array([1, 2]));
  equal((await client.next()).type, "c");
  equal((await client.next()).type, "binary");
  await client.waitForCount((e) => e.type !== "binary", 3);
});

Deno.test("TestClient.sync() waits for the server's answer and hides it", async () => {
  await using server = startServer();
  await using client = await TestClient.connect(url(server));
  client.append(new Uint8Array([0, 0]));
  await client.sync();
  deepEqual(client.received.map((e) => e.type), ["a", "b", "c", "echo"]);
  equal(client.received[3].of.audio, "AAA=");
});

Deno.test("TestClient keeps only what `keep` accepts and counts every type", async () => {
  await using server = startServer();
  await using client = await TestClient.connect(url(server), { keep: (e) => e.type === "b" });
  await client.next("b");
  deepEqual(client.received.map((e) => e.type), ["b"]);
  await client.waitFor(() => client.counts.get("c") === 1);
  deepEqual([...client.counts], [["a", 1], ["b", 1], ["c", 1]]);
});

Deno.test("TestClient reports a refused upgrade's status, a close, and a read after the close", async () => {
  await using server = startServer();
  await rejects(TestClient.connect(url(server, "/private")), /HTTP 403/);
  const client = await TestClient.connect(url(server));
  client.send({ type: "bye" });
  deepEqual(await client.closed, { code: 4001, reason: "asked to" });
  await rejects(client.next("never"), /Cannot read never: the socket closed/);
  await using other = await TestClient.connect(url(server));
  await other.waitForCount(() => true, 3);
  await rejects(other.next("never", 50), /none within 50 ms; last events: a, b, c/);
});

Deno.test("tryOpenRelay() names the status of a refused ticket or upgrade", async () => {
  let status = 503;
  await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/api/session") {
      return Response.json({ relay: "/api/relay" }, { status: status === 429 ? 429 : 200 });
    }
    if (status === 200) return Deno.upgradeWebSocket(req).response;
    return new Response("no", { status });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  equal(await tryOpenRelay(base), "HTTP 503");
  status = 429;
  equal(await tryOpenRelay(base), "HTTP 429");
  status = 200;
  equal(await tryOpenRelay(base), "opened");
  await server.shutdown();
  match(await tryOpenRelay(base), /^refused: /);
});
