import { deepEqual, equal, ok } from "node:assert/strict";
import { ConversationStore } from "./conversation_log.ts";
import { ResumeTokens } from "./resume.ts";
import { startTestServer } from "@/testing/server.ts";
import { TestClient } from "@/testing/ws_client.ts";

const SECRET = "rollover-local-test-secret-0123456789abcdef";
const CONV = "conv_LocalRollover0123456789";

Deno.test("rollover (local emulator): a resumed conversation is replayed as GA text items and rolls over before the emulator's expiry", async () => {
  const kv = await Deno.openKv(":memory:");
  await new ConversationStore(kv).save(CONV, [
    { role: "user", text: "How do I breathe before a talk?" },
    { role: "assistant", text: "Slowly, from the belly." },
  ]);
  await using server = await startTestServer({
    RELAY_SECRET: SECRET,
    EMULATOR_SESSION_SECONDS: "3",
    SESSION_ROLLOVER_SECONDS: "2",
    TICKET_RATE_PER_CLIENT: "off",
  }, { kv });
  const { token } = await new ResumeTokens(SECRET).issue(CONV);
  const res = await fetch(`${server.url}/api/session`, {
    method: "POST",
    body: JSON.stringify({ resume_token: token }),
  });
  equal(res.status, 200);
  const url = server.url.replace(/^http/, "ws") + (await res.json()).relay;
  await using client = await TestClient.connect(url);
  const first = await client.next("relay.conversation");
  equal(first.conversation_id, CONV);
  // The emulator expires each session 3 s in; the relay rolls over 1 s in, twice within 3.5 s.
  await client.waitForCount((e) => e.type === "relay.conversation" && e.rollover, 2, 8000);
  equal(client.socket.readyState, WebSocket.OPEN);
  deepEqual(client.received.filter((e) => e.type === "error"), []);
  // Every replay (the resume's and each rollover's) was accepted by the emulator.
  const logs = server.logs.map((line) => JSON.parse(line));
  ok(logs.some((l) => l.msg === "conversation replayed"), "no replay logged");
  deepEqual(logs.filter((l) => l.msg === "upstream refused a replayed turn"), []);
  ok(logs.filter((l) => l.msg === "rolled over to a new upstream session").length >= 2);
  // The page never sees the replayed items.
  deepEqual(client.received.filter((e) => e.type?.startsWith("conversation.item")), []);
});
