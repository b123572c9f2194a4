/**
 * Typed turns through the relay, over real sockets into the local emulator: the one item a
 * browser may create (a user `input_text` message of at most `MAX_TYPED_TEXT_CHARS`) is
 * forwarded and announced in GA's events, `response.create` gets a spoken answer with its
 * transcript (the delivery coach asks to hear it aloud; the echo reads it back), and any
 * other item is refused with `relay_event_not_allowed` naming the field while the session
 * goes on.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { TYPED_TURN } from "@/lib/server/coach/feedback.ts";
import { TYPED_ECHO_PREFIX } from "@/lib/server/coach/local_coach.ts";
import { BYTES_PER_MS } from "@/lib/shared/audio_format.ts";
import { MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import { AUDIO_RESPONSE, joinAudioDeltas, shape } from "@/testing/ga_sequences.ts";
import { REFUSED_ITEMS, typedItem } from "@/testing/policy_cases.ts";
import { startTestServer } from "@/testing/server.ts";
import { type Json, openRelay, type TestClient } from "@/testing/ws_client.ts";

const ANSWER_MS = 30_000;

/** Types `text`, asks for an answer, and returns the item's events and the answer's. */
async function typeAndAsk(
  client: TestClient,
  text: string,
): Promise<{ item: Json; answer: Json[] }> {
  client.send({ type: "conversation.item.create", event_id: "typed_1", item: typedItem(text) });
  const added = await client.next("conversation.item.added");
  const done = await client.next("conversation.item.done");
  deepEqual(added.item, done.item);
  client.send({ type: "response.create" });
  const answer = await client.until("response.done", ANSWER_MS);
  return { item: done.item, answer: answer.slice(answer.findIndex(isCreated)) };
}

function isCreated(event: Json): boolean {
  return event.type === "response.created";
}

function transcriptOf(answer: Json[]): string {
  return answer.find((e) => e.type === "response.output_audio_transcript.done")!.transcript;
}

function audioSeconds(answer: Json[]): number {
  return joinAudioDeltas(answer).length / BYTES_PER_MS / 1000;
}

Deno.test("typed turn: the delivery coach answers by voice that typed text has nothing to measure", async () => {
  await using server = await startTestServer({ LOCAL_COACH: "delivery" });
  await using client = await openRelay(server.url);
  await client.next("session.updated");
  const { item, answer } = await typeAndAsk(client, "How fast do I usually talk?");
  equal(item.role, "user");
  deepEqual(item.content, [{ type: "input_text", text: "How fast do I usually talk?" }]);
  deepEqual(shape(answer), AUDIO_RESPONSE);
  equal(transcriptOf(answer), TYPED_TURN);
  ok(audioSeconds(answer) > 1, `${audioSeconds(answer)} s of answer`);
  equal(answer.at(-1)!.response.status, "completed");
  equal(client.received.filter((e) => e.type === "error").length, 0);
  await client.close();
});

Deno.test("typed turn: the echo reads the typed text back, spoken", async () => {
  await using server = await startTestServer(); // the test servers' coach is the echo
  await using client = await openRelay(server.url);
  await client.next("session.updated");
  const text = "Testing one two three.";
  const { answer } = await typeAndAsk(client, text);
  deepEqual(shape(answer), AUDIO_RESPONSE);
  equal(transcriptOf(answer), `${TYPED_ECHO_PREFIX}${text}`);
  ok(audioSeconds(answer) > 1, `${audioSeconds(answer)} s of answer`);
  equal(client.received.filter((e) => e.type === "error").length, 0);
  await client.close();
});

Deno.test("typed turn: every other item is refused naming its field, an over-long one too, and the session goes on", async () => {
  // The delivery coach's answer to any typed text is short, however long the text.
  await using server = await startTestServer({
    LOCAL_COACH: "delivery",
    EVENT_RATE_PER_SESSION: "off",
  });
  await using client = await openRelay(server.url);
  await client.next("session.updated");
  const cases = Object.entries(REFUSED_ITEMS);
  cases.forEach(([, { fields }], i) => {
    client.send({ type: "conversation.item.create", event_id: `bad_${i}`, ...fields });
  });
  for (const [i, [name, { param }]] of cases.entries()) {
    const error = await client.next((e) => e.type === "error" && e.error.event_id === `bad_${i}`);
    equal(error.error.code, "relay_event_not_allowed", name);
    equal(error.error.param, param, name);
  }
  const tooLong = client.received.find((e) =>
    e.error?.param === "item.content[0].text" &&
    e.error.message.includes(`more than ${MAX_TYPED_TEXT_CHARS}`)
  );
  ok(tooLong, "the over-long text is refused for its length");
  equal(
    client.received.filter((e) => e.type === "conversation.item.added").length,
    0,
    "nothing refused reached the emulator",
  );
  // The session goes on: a typed message of exactly the cap is answered.
  const { item, answer } = await typeAndAsk(client, "y".repeat(MAX_TYPED_TEXT_CHARS));
  equal(item.content[0].text.length, MAX_TYPED_TEXT_CHARS);
  equal(answer.at(-1)!.response.status, "completed");
  equal(transcriptOf(answer), TYPED_TURN);
  await client.close();
});
