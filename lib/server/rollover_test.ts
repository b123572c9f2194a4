import { deepEqual, equal, ok } from "node:assert/strict";
import { newId } from "@/lib/shared/ids.ts";
import { metric, readMetrics, startTestServer } from "@/testing/server.ts";
import { relayEnv } from "@/testing/relay_session.ts";
import { ScriptedUpstream, type UpstreamConnection } from "@/testing/upstream.ts";
import { type Json, TestClient } from "@/testing/ws_client.ts";
import { sleep, waitFor } from "@/testing/wait.ts";

const KEY = "sk-rollover-test-key-0000000000";

/**
 * A scripted upstream that answers each `response.create` with an assistant turn
 * ("answer N") and each `conversation.item.create` as GA does (item added, then done).
 */
async function answeringUpstream(): Promise<ScriptedUpstream> {
  let answers = 0;
  return await ScriptedUpstream.start({
    onEvent(event: Json, c: UpstreamConnection) {
      if (event.type === "conversation.item.create") {
        const item = { ...event.item, object: "realtime.item", status: "completed" };
        c.send([
          { type: "conversation.item.added", event_id: newId("event"), item },
          { type: "conversation.item.done", event_id: newId("event"), item },
        ]);
      }
      if (event.type !== "response.create") return;
      const n = ++answers;
      const response = { id: newId("resp"), object: "realtime.response" };
      const itemId = newId("item");
      c.send([
        { type: "response.created", event_id: newId("event"), response },
        {
          type: "conversation.item.added",
          event_id: newId("event"),
          previous_item_id: null,
          item: { id: itemId, type: "message", role: "assistant", content: [] },
        },
        {
          type: "response.output_audio_transcript.done",
          event_id: newId("event"),
          item_id: itemId,
          transcript: `answer ${n}`,
        },
        {
          type: "response.done",
          event_id: newId("event"),
          response: { ...response, status: "completed", output: [], usage: null },
        },
      ]);
    },
  });
}

async function ticketUrl(baseUrl: string, body?: Json): Promise<string> {
  const res = await fetch(`${baseUrl}/api/session`, {
    method: "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  equal(res.status, 200);
  return baseUrl.replace(/^http/, "ws") + (await res.json()).relay;
}

const appends = (c: UpstreamConnection) =>
  c.events.filter((e) => e.type === "input_audio_buffer.append").length;
const replayedTexts = (c: UpstreamConnection) =>
  c.events.filter((e) => e.type === "conversation.item.create")
    .map((e) => `${e.item.role}: ${e.item.content[0].text}`);

Deno.test("rollover: five turns across several upstream sessions on one browser socket, none lost", async () => {
  await using upstream = await answeringUpstream();
  // The scripted session expires an hour after it starts: roll over ~1.5 s in.
  await using server = await startTestServer(
    relayEnv(upstream, KEY, { SESSION_ROLLOVER_SECONDS: String(3600 - 2) }),
  );
  await using client = await TestClient.connect(await ticketUrl(server.url));
  const first = await client.next("relay.conversation");
  let sent = 0;
  for (let turn = 1; turn <= 5; turn++) {
    for (let i = 0; i < 10; i++, sent++) client.send(new Uint8Array(960));
    client.send({ type: "response.create" });
    await client.waitForCount((e) => e.type === "response.done", turn, 10_000);
    // The third session ends by itself (its expiry, 1001): the relay reconnects at once.
    if (turn === 3) {
      upstream.connections.at(-1)!.socket.close(1001, "Your session hit the maximum duration.");
    }
    await sleep(800);
  }
  for (let i = 0; i < 10; i++, sent++) client.send(new Uint8Array(960));
  await waitFor(() => upstream.connections.reduce((n, c) => n + appends(c), 0) >= sent, {
    what: "every append upstream",
  });
  // Frames in = frames forwarded, across every session.
  equal(upstream.connections.reduce((n, c) => n + appends(c), 0), sent);
  ok(upstream.connections.length >= 3, `${upstream.connections.length} upstream sessions`);
  const rollovers = client.received.filter((e) => e.type === "relay.conversation" && e.rollover);
  ok(rollovers.length >= 2, `${rollovers.length} rollovers`);
  for (const r of rollovers) equal(r.conversation_id, first.conversation_id);
  // The 1001 is an expiry; the others were planned.
  deepEqual(
    rollovers.map((r) => r.reason).sort(),
    [...Array(rollovers.length - 1).fill("planned"), "expired"].sort(),
  );
  equal(client.received.filter((e) => e.type === "response.done").length, 5);
  deepEqual(client.received.filter((e) => e.type === "error"), []);
  // The last session was given the earlier turns, and the browser saw none of them again.
  const last = upstream.connections.at(-1)!;
  const replayed = replayedTexts(last);
  ok(replayed.length >= 3, replayed.join(" | "));
  deepEqual(replayed, replayed.map((_, i) => `assistant: answer ${i + 1}`));
  const replayIds = new Set(
    last.events.filter((e) => e.type === "conversation.item.create").map((e) => e.item.id),
  );
  ok(!client.received.some((e) => replayIds.has(e.item?.id)), "replayed items reached the page");
  equal(client.socket.readyState, WebSocket.OPEN);

  // /metrics counts each switch, its time, and every message's fate.
  const text = await readMetrics(server.url);
  equal(metric(text, 'relay_rollovers_total{reason="expired"}'), 1);
  equal(metric(text, 'relay_rollovers_total{reason="planned"}'), rollovers.length - 1);
  equal(metric(text, 'relay_rollovers_total{reason="dropped"}'), 0);
  equal(metric(text, "relay_rollover_seconds_count"), rollovers.length);
  ok(metric(text, "relay_rollover_seconds_sum") > 0);
  const fate = (f: string) => metric(text, `relay_rollover_frames_total{fate="${f}"}`);
  // The appends, five response.create and the relay's own session.update: each went upstream.
  equal(fate("sent") + fate("released"), sent + 5 + 1);
  equal(fate("held"), fate("released") + fate("dropped"));
  equal(fate("dropped"), 0);
});

Deno.test("resume: a new socket with the resume token goes on the conversation; a forged one is 401", async () => {
  await using upstream = await answeringUpstream();
  await using server = await startTestServer(
    relayEnv(upstream, KEY, { TICKET_RATE_PER_CLIENT: "off" }),
  );
  const client = await TestClient.connect(await ticketUrl(server.url));
  const conversation = await client.next("relay.conversation");
  ok(conversation.resume_token && conversation.expires_at > Date.now() / 1000);
  for (let turn = 1; turn <= 2; turn++) {
    client.send({ type: "response.create" });
    await client.waitForCount((e) => e.type === "response.done", turn);
  }
  // Saves are not awaited by forwarding: give the turn-end write a moment.
  await sleep(200);
  client.socket.terminate();
  await client.closed;

  const pending = upstream.nextConnection();
  await using again = await TestClient.connect(
    await ticketUrl(server.url, { resume_token: conversation.resume_token }),
  );
  const connection = await pending;
  const resumed = await again.next("relay.conversation");
  equal(resumed.conversation_id, conversation.conversation_id);
  await waitFor(() => replayedTexts(connection).length === 2, { what: "the replay" });
  deepEqual(replayedTexts(connection), ["assistant: answer 1", "assistant: answer 2"]);
  // The replay comes right after the relay's session.update.
  deepEqual(connection.events.slice(0, 3).map((e) => e.type), [
    "session.update",
    "conversation.item.create",
    "conversation.item.create",
  ]);
  again.send({ type: "response.create" });
  await again.next("response.done");
  ok(
    !again.received.some((e) =>
      e.type === "conversation.item.added" && e.item.role !== "assistant"
    ),
  );

  for (const token of ["abc.def", conversation.resume_token + "x", 42]) {
    const res = await fetch(`${server.url}/api/session`, {
      method: "POST",
      body: JSON.stringify({ resume_token: token }),
    });
    equal(res.status, 401);
    equal((await res.json()).code, "resume_invalid");
  }
  const bad = await fetch(`${server.url}/api/session`, { method: "POST", body: "{nope" });
  equal(bad.status, 400);
  await bad.body?.cancel();
});
