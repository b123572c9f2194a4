/**
 * The emulator's turns with server VAD, over a real socket: recorded speech in three turns in
 * the GA order with each echoed whole, barge-in during a response and truncation, and the
 * idle timeout.
 */
import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { BYTES_PER_MS, FRAME_BYTES } from "../../shared/audio_format.ts";
import { decodeBase64 } from "../../shared/base64.ts";
import { startEmulator, streamAudio } from "@/testing/emulator.ts";
import { silence, speechPcm, speechTruth } from "@/testing/fixtures.ts";
import { isType, joinAudioDeltas, shape, VAD_TURN_WITH_RESPONSE } from "@/testing/ga_sequences.ts";
import { type Json, openRealtime, type TestClient } from "@/testing/ws_client.ts";

const ID = /^[0-9A-Za-z]{21}$/;
const TRUTH = await speechTruth();

/** Opens a session with server VAD ending a turn after `silenceMs` of silence. */
async function openVad(url: string, silenceMs?: number, idleMs?: number): Promise<TestClient> {
  const client = await openRealtime(url);
  const turnDetection: Json = { type: "server_vad" };
  if (silenceMs !== undefined) turnDetection.silence_duration_ms = silenceMs;
  if (idleMs !== undefined) turnDetection.idle_timeout_ms = idleMs;
  client.send({
    type: "session.update",
    event_id: "update_1",
    session: { type: "realtime", audio: { input: { turn_detection: turnDetection } } },
  });
  await client.next("session.updated");
  return client;
}

/** Streams `pcm` and lets each turn's response finish before the next speech starts. */
async function streamTurns(client: TestClient, pcm: Uint8Array): Promise<void> {
  for (let offset = 0, n = 0; offset < pcm.length; offset += FRAME_BYTES, n++) {
    client.append(pcm.subarray(offset, offset + FRAME_BYTES));
    if (n % 5 !== 4) continue;
    await client.sync();
    const stopped = client.received.filter(isType("input_audio_buffer.speech_stopped")).length;
    await client.waitForCount(isType("rate_limits.updated"), stopped);
  }
  await client.sync();
}

Deno.test("session streams speech_24k.wav into three VAD turns in the §8 order, each echoed whole", async () => {
  await using emulator = startEmulator({ speedup: 50 });
  // 500 ms of silence ends a turn: the fixture's words hold shorter dips than that.
  await using client = await openVad(emulator.url, 500);
  const speech = await speechPcm();
  await streamTurns(client, speech);
  await streamAudio(client, silence(1000));

  const events = client.received.slice(1);
  const updated = events.shift()!;
  equal(updated.type, "session.updated");
  notEqual(updated.event_id, "update_1");
  equal(updated.session.audio.input.turn_detection.silence_duration_ms, 500);
  equal(updated.session.audio.input.turn_detection.threshold, 0.5);

  const turnLength = VAD_TURN_WITH_RESPONSE.length;
  const turns: Json[][] = [];
  let rest = events;
  while (rest.length > 0) {
    const end = rest.findIndex(isType("rate_limits.updated"));
    ok(end >= 0, `unfinished turn: ${shape(rest).join(", ")}`);
    turns.push(rest.slice(0, end + 1));
    rest = rest.slice(end + 1);
  }
  equal(turns.length, 3, `turns: ${turns.map((t) => shape(t).join(" ")).join("\n")}`);

  let previousItemId: string | null = null;
  let previousEndMs = 0;
  for (const [index, turn] of turns.entries()) {
    deepEqual(shape(turn), VAD_TURN_WITH_RESPONSE);
    ok(turnLength <= turn.length);
    const [started, stopped, committed, userAdded, userDone, created, itemAdded, assistantAdded] =
      turn;
    const userId = started.item_id;
    match(userId, /^item_/);
    match(userId.slice(5), ID);
    equal(stopped.item_id, userId);
    equal(committed.item_id, userId);
    equal(committed.previous_item_id, previousItemId);
    for (const added of [userAdded, userDone]) {
      deepEqual(added.item, {
        id: userId,
        object: "realtime.item",
        type: "message",
        status: "completed",
        role: "user",
        content: [{ type: "input_audio", transcript: null }],
      });
      equal(added.previous_item_id, previousItemId);
    }

    // The turn covers its utterance and starts after the previous turn ended.
    const truth = TRUTH.utterances[index];
    const startMs = started.audio_start_ms;
    const endMs = stopped.audio_end_ms;
    ok(startMs >= previousEndMs, `turn ${index} starts at ${startMs}`);
    ok(startMs < truth.startMs + 200 && endMs > truth.endMs, `turn ${index}: ${startMs}–${endMs}`);
    previousEndMs = endMs;

    const responseId = created.response.id;
    match(responseId, /^resp_/);
    equal(created.response.status, "in_progress");
    deepEqual(created.response.output, []);
    match(created.response.conversation_id, /^conv_/);
    const assistantId = itemAdded.item.id;
    equal(itemAdded.response_id, responseId);
    equal(assistantAdded.item.id, assistantId);
    equal(assistantAdded.previous_item_id, userId);
    for (const event of turn.slice(6, -1)) {
      if ("response_id" in event) equal(event.response_id, responseId);
      if ("item_id" in event) equal(event.item_id, assistantId);
    }

    // The echo is exactly the committed audio, in chunks of at most 100 ms.
    const echo = joinAudioDeltas(turn, responseId);
    const committedMs = endMs - startMs;
    ok(
      Math.abs(echo.length / BYTES_PER_MS - committedMs) <= 1,
      `${echo.length} B vs ${committedMs} ms`,
    );
    for (const delta of turn.filter(isType("response.output_audio.delta"))) {
      ok(decodeBase64(delta.delta).length <= 100 * BYTES_PER_MS);
    }
    client.send({ type: "conversation.item.retrieve", item_id: userId });
    const retrieved = await client.next("conversation.item.retrieved");
    deepEqual(decodeBase64(retrieved.item.content[0].audio), echo);

    const transcript = `(local echo of ${
      (echo.length / BYTES_PER_MS / 1000).toFixed(1)
    } s of your speech)`;
    equal(turn.find(isType("response.output_audio_transcript.done"))!.transcript, transcript);
    equal(
      turn.filter(isType("response.output_audio_transcript.delta")).map((e) => e.delta).join(""),
      transcript,
    );
    const done = turn.at(-2)!;
    equal(done.response.status, "completed");
    deepEqual(done.response.output, [{
      id: assistantId,
      object: "realtime.item",
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_audio", transcript }],
    }]);
    ok(done.response.usage.output_token_details.audio_tokens > 0);
    ok(done.response.usage.input_token_details.audio_tokens > 0);
    equal(
      done.response.usage.total_tokens,
      done.response.usage.input_tokens + done.response.usage.output_tokens,
    );
    const limits = turn.at(-1)!.rate_limits;
    equal(limits[0].name, "tokens");
    ok(limits[0].remaining < limits[0].limit);
    for (const event of turn) match(event.event_id, /^event_[0-9A-Za-z]{21}$/);
    previousItemId = assistantId;
  }
});

Deno.test("speech during a response cancels it with turn_detected; truncate then cuts the item", async () => {
  // Slower than real time, so the response is surely still playing when the user barges in.
  await using emulator = startEmulator({ speedup: 0.5 });
  await using client = await openVad(emulator.url, 500);
  const speech = await speechPcm();
  const firstEnd = Math.round(3300 * BYTES_PER_MS);
  await streamAudio(client, speech.subarray(0, firstEnd));
  const created = await client.next("response.created");
  const responseId = created.response.id;
  const assistantId = (await client.next("response.output_item.added")).item.id;
  for (let i = 0; i < 3; i++) await client.next("response.output_audio.delta");
  // The second utterance starts at 3.6 s: barge in.
  await streamAudio(client, speech.subarray(firstEnd, Math.round(4600 * BYTES_PER_MS)));
  const events = await client.until("rate_limits.updated").catch((error) => {
    throw new Error(`${error.message}: ${shape(client.received).join(", ")}`);
  });
  const started = events.findIndex(isType("input_audio_buffer.speech_started"));
  const done = events.findIndex(isType("response.done"));
  ok(started >= 0 && started < done, shape(events).join(", "));
  deepEqual(events[done].response.status_details, { type: "cancelled", reason: "turn_detected" });
  equal(events[done].response.id, responseId);

  // The response sent part of its audio and nothing after response.done.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await client.sync();
  const sent = joinAudioDeltas(client.received, responseId);
  const sentMs = sent.length / BYTES_PER_MS;
  ok(sentMs >= 300 && sentMs < 2600, `sent ${sentMs} ms`);
  const afterDone = client.received.slice(client.received.indexOf(events[done]) + 1);
  equal(afterDone.filter((e) => e.response_id === responseId).length, 0);

  // Truncate: unknown item, past the end, then within.
  client.send({
    type: "conversation.item.truncate",
    event_id: "t1",
    item_id: "item_missing",
    content_index: 0,
    audio_end_ms: 0,
  });
  const unknown = await client.next("error");
  equal(unknown.error.code, "item_truncate_invalid_item_id");
  equal(unknown.error.event_id, "t1");
  client.send({
    type: "conversation.item.truncate",
    item_id: assistantId,
    content_index: 0,
    audio_end_ms: 55960,
  });
  const tooLong = await client.next("error");
  equal(tooLong.error.code, null);
  equal(tooLong.error.message, `Audio content of ${sentMs}ms is already shorter than 55960ms`);
  client.send({
    type: "conversation.item.truncate",
    item_id: assistantId,
    content_index: 0,
    audio_end_ms: 250,
  });
  const truncated = await client.next("conversation.item.truncated");
  deepEqual(
    { ...truncated, event_id: "" },
    {
      type: "conversation.item.truncated",
      event_id: "",
      item_id: assistantId,
      content_index: 0,
      audio_end_ms: 250,
    },
  );
  client.send({ type: "conversation.item.retrieve", item_id: assistantId });
  const retrieved = (await client.next("conversation.item.retrieved")).item;
  equal(retrieved.content[0].transcript, null);
  deepEqual(decodeBase64(retrieved.content[0].audio), sent.subarray(0, 250 * BYTES_PER_MS));
});

Deno.test("server_vad idle_timeout_ms commits the quiet buffer and answers after a response", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openVad(emulator.url, undefined, 5000);
  client.send({ type: "response.create" });
  await client.next("rate_limits.updated");
  await streamAudio(client, silence(4000), 50);
  await client.sync();
  equal(client.hasUnread, false);
  await streamAudio(client, silence(2000), 50);
  const events = await client.until("rate_limits.updated");
  deepEqual(shape(events).slice(0, 4), [
    "input_audio_buffer.timeout_triggered",
    "input_audio_buffer.committed",
    "conversation.item.added",
    "conversation.item.done",
  ]);
  equal(events[0].item_id, events[1].item_id);
  ok(events[0].audio_end_ms > events[0].audio_start_ms);
});
