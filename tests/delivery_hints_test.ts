/**
 * Delivery hints through the real relay (`DELIVERY_HINTS`): a test client appends recorded
 * speech, a scripted upstream answers with the server-VAD events of one turn and then a
 * push-to-talk commit, and gets a note for each with the committed item as `previous_item_id`
 * and the figures of the turn's audio; the browser never sees the note. With
 * `DELIVERY_HINTS=off` no note is sent.
 */
import { equal, ok } from "node:assert/strict";
import { deliveryNote } from "@/lib/server/delivery_hints.ts";
import { BYTES_PER_MS, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { analyzeDelivery } from "@/lib/shared/delivery.ts";
import { Framer } from "@/lib/shared/framer.ts";
import { pcm16ToFloat } from "@/lib/shared/pcm16.ts";
import { concat } from "@/testing/bytes.ts";
import { readFixturePcm } from "@/testing/fixtures.ts";
import { openRelaySession, relayEnv } from "@/testing/relay_session.ts";
import { startTestServer } from "@/testing/server.ts";
import { ScriptedUpstream, type UpstreamConnection } from "@/testing/upstream.ts";
import { waitFor } from "@/testing/wait.ts";
import type { Json, TestClient } from "@/testing/ws_client.ts";

const KEY = "sk-test-HINTSKEY0123456789abcdef";
const GO = await readFixturePcm("delivery/goforward.wav");
const JFK = await readFixturePcm("delivery/jfk.wav");
const CARDS = await readFixturePcm("delivery/cards_005.wav");
/** The first turn (server VAD) is JFK; the second (push-to-talk) is CARDS. */
const FIRST_START_MS = Math.round(GO.length / BYTES_PER_MS);
const FIRST_END_MS = Math.round((GO.length + JFK.length) / BYTES_PER_MS);

function env(extra: Record<string, string> = {}): Record<string, string> {
  return relayEnv({ url: "" }, KEY, { MAX_AUDIO_SPEED: "off", ...extra });
}

/** Appends `pcm` as 20 ms frames and waits until the upstream has all of them. */
async function appendAll(client: TestClient, connection: UpstreamConnection, pcm: Uint8Array) {
  const frames = new Framer().push(pcm);
  const before = appends(connection);
  for (const frame of frames) client.append(frame);
  await waitFor(() => appends(connection) === before + frames.length, { timeoutMs: 10_000 });
  return frames.length * frames[0].length;
}

function appends(connection: UpstreamConnection): number {
  return connection.events.filter((e) => e.type === "input_audio_buffer.append").length;
}

function figures(pcm: Uint8Array): string {
  return deliveryNote(analyzeDelivery(pcm16ToFloat(pcm), WIRE_SAMPLE_RATE));
}

/** The upstream's server-VAD events for one turn of the user item `itemId`. */
function vadTurn(itemId: string, startMs: number, endMs: number): Json[] {
  return [
    {
      type: "input_audio_buffer.speech_started",
      event_id: "event_s1",
      audio_start_ms: startMs,
      item_id: itemId,
    },
    {
      type: "input_audio_buffer.speech_stopped",
      event_id: "event_s2",
      audio_end_ms: endMs,
      item_id: itemId,
    },
    {
      type: "input_audio_buffer.committed",
      event_id: "event_s3",
      item_id: itemId,
      previous_item_id: null,
    },
  ];
}

/** What the service answers a note with: its item, added then done. */
function noteAnswers(note: Json): Json[] {
  const item = { ...note.item, object: "realtime.item", status: "completed" };
  return [
    { type: "conversation.item.added", previous_item_id: note.previous_item_id, item },
    { type: "conversation.item.done", previous_item_id: note.previous_item_id, item },
  ];
}

Deno.test("relay: each committed turn gets a delivery note upstream, placed after the user's item, and the browser never sees it", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(env({ REALTIME_URL: upstream.url }));
  const { client, connection } = await openRelaySession(server.url, upstream);
  // A server-VAD turn: the JFK sentence; the service says speech started half a second in.
  const stream = concat([GO, JFK]);
  const cut = Math.round((FIRST_START_MS + 500) / 20) * 20 * BYTES_PER_MS;
  const [started, ...ended] = vadTurn("item_user1", FIRST_START_MS, FIRST_END_MS);
  let sent = await appendAll(client, connection, stream.subarray(0, cut));
  await connection.send(started);
  await client.next("input_audio_buffer.speech_started");
  sent += await appendAll(client, connection, stream.subarray(cut));
  const all = stream.subarray(0, sent);
  await connection.send(ended);
  const note = await connection.next("conversation.item.create");
  equal(note.previous_item_id, "item_user1");
  equal(note.item.type, "message");
  equal(note.item.role, "system");
  equal(note.item.content[0].type, "input_text");
  const span = all.subarray(FIRST_START_MS * BYTES_PER_MS, FIRST_END_MS * BYTES_PER_MS);
  equal(note.item.content[0].text, figures(span));
  ok(!connection.frames.some((f) => f.includes('"error"')), "the upstream accepted the note");

  // The service's answers to the note, an error about it, and the assistant's item after it.
  await connection.send([
    ...noteAnswers(note),
    {
      type: "error",
      error: { type: "invalid_request_error", code: "x", message: "no", event_id: note.event_id },
    },
    {
      type: "conversation.item.added",
      previous_item_id: note.item.id,
      item: {
        id: "item_asst1",
        type: "message",
        role: "assistant",
        status: "in_progress",
        content: [],
      },
    },
  ]);
  const assistant = await client.next((e) =>
    e.type === "conversation.item.added" && e.item.id === "item_asst1"
  );
  equal(assistant.previous_item_id, "item_user1", "placed after the user's item, not the note");

  // A push-to-talk turn (turn detection off): CARDS, then the browser's commit.
  await connection.send({
    type: "session.updated",
    session: { type: "realtime", audio: { input: { turn_detection: null } } },
  });
  await client.next("session.updated");
  await appendAll(client, connection, CARDS);
  client.send({ type: "input_audio_buffer.commit" });
  await connection.next("input_audio_buffer.commit");
  await connection.send({
    type: "input_audio_buffer.committed",
    item_id: "item_user2",
    previous_item_id: "item_asst1",
  });
  const second = await connection.next("conversation.item.create");
  equal(second.previous_item_id, "item_user2");
  equal(second.item.content[0].text, figures(concat(new Framer().push(CARDS))));
  await client.next((e) => e.type === "input_audio_buffer.committed" && e.item_id === "item_user2");
  await client.sync();

  const noteIds = new Set([note.item.id, second.item.id]);
  for (const event of client.received) {
    ok(!noteIds.has(event.item?.id), `the browser got the note's ${event.type}`);
    ok(!noteIds.has(event.previous_item_id), `the browser got the note's id in ${event.type}`);
    ok(event.type !== "error", `the browser got an error: ${JSON.stringify(event)}`);
  }
  ok(
    server.logs.some((l) => l.includes("upstream refused a delivery note")),
    "the error is logged",
  );
});

Deno.test("relay: DELIVERY_HINTS=off sends no note", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(
    env({ REALTIME_URL: upstream.url, DELIVERY_HINTS: "off" }),
  );
  const { client, connection } = await openRelaySession(server.url, upstream);
  await appendAll(client, connection, concat([GO, JFK]));
  await connection.send(vadTurn("item_user1", FIRST_START_MS, FIRST_END_MS));
  await client.next("input_audio_buffer.committed");
  // A note would be sent before the relay reads this reply from the browser.
  client.send({ type: "input_audio_buffer.clear" });
  await connection.next("input_audio_buffer.clear");
  equal(connection.events.filter((e) => e.type === "conversation.item.create").length, 0);
});
