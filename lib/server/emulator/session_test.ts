import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { BYTES_PER_MS, FRAME_BYTES } from "../../shared/audio_format.ts";
import { decodeBase64, encodeBase64 } from "../../shared/base64.ts";
import {
  joinAudioDeltas,
  readFixture,
  type Received,
  shape,
  silence,
  startEmulator,
  TestClient,
} from "./_test_client.ts";
import { linearToMuLaw, muLawToLinear } from "./g711.ts";
import { MAX_CONVERSATION_AUDIO_BYTES } from "./conversation.ts";
import {
  EmulatedSession,
  MAX_BUFFER_MS,
  MAX_PENDING_BYTES,
  type Vad,
  vadOptionsFor,
} from "./session.ts";
import { type VadEvent, type VadOptions, VoiceActivityDetector } from "./vad.ts";

const ID = /^[0-9A-Za-z]{21}$/;
const TRUTH = JSON.parse(
  await Deno.readTextFile(new URL("../../../tests/fixtures/speech_24k.json", import.meta.url)),
) as { utterances: { text: string; startMs: number; endMs: number }[] };

/** PROTOCOL.md §8 steps 2–17, deltas collapsed. */
const VAD_TURN = [
  "input_audio_buffer.speech_started",
  "input_audio_buffer.speech_stopped",
  "input_audio_buffer.committed",
  "conversation.item.added",
  "conversation.item.done",
];
const RESPONSE = [
  "response.created",
  "response.output_item.added",
  "conversation.item.added",
  "response.content_part.added",
  "deltas*",
  "response.output_audio.done",
  "response.output_audio_transcript.done",
  "response.content_part.done",
  "conversation.item.done",
  "response.output_item.done",
  "response.done",
  "rate_limits.updated",
];

function isType(type: string): (event: Received) => boolean {
  return (event) => event.type === type;
}

/** Streams `pcm` as 20 ms appends, with a round trip every `batch` frames. */
async function stream(client: TestClient, pcm: Uint8Array, batch = 10): Promise<void> {
  for (let offset = 0, n = 0; offset < pcm.length; offset += FRAME_BYTES, n++) {
    client.append(pcm.subarray(offset, offset + FRAME_BYTES));
    if (n % batch === batch - 1) await client.sync();
  }
  await client.sync();
}

/** Streams `pcm` and lets each turn's response finish before the next speech starts. */
async function streamTurns(client: TestClient, pcm: Uint8Array): Promise<void> {
  for (let offset = 0, n = 0; offset < pcm.length; offset += FRAME_BYTES, n++) {
    client.append(pcm.subarray(offset, offset + FRAME_BYTES));
    if (n % 5 !== 4) continue;
    await client.sync();
    const stopped = client.events.filter(isType("input_audio_buffer.speech_stopped")).length;
    await client.waitForCount(isType("rate_limits.updated"), stopped);
  }
  await client.sync();
}

async function openManual(url: string): Promise<TestClient> {
  const client = await TestClient.open(url);
  client.send({
    type: "session.update",
    session: { type: "realtime", audio: { input: { turn_detection: null } } },
  });
  equal((await client.next()).type, "session.updated");
  return client;
}

/** Appends `ms` of a 300 Hz tone and commits; returns the committed event. */
async function commitTone(client: TestClient, ms: number): Promise<Received> {
  const samples = new Int16Array(Math.round(ms * 24));
  for (let i = 0; i < samples.length; i++) samples[i] = 8000 * Math.sin(i * 0.0785);
  client.append(new Uint8Array(samples.buffer));
  client.send({ type: "input_audio_buffer.commit" });
  const events = await client.until("conversation.item.done");
  deepEqual(shape(events), [
    "input_audio_buffer.committed",
    "conversation.item.added",
    "conversation.item.done",
  ]);
  return events[0];
}

Deno.test("session streams speech_24k.wav into three VAD turns in the §8 order, each echoed whole", async () => {
  await using emulator = startEmulator({ speedup: 50 });
  await using client = await TestClient.open(emulator.url);
  // 500 ms of silence ends a turn: the fixture's words hold shorter dips than that.
  client.send({
    type: "session.update",
    event_id: "update_1",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", silence_duration_ms: 500 } } },
    },
  });
  const speech = await readFixture("speech_24k.wav");
  await streamTurns(client, speech);
  await stream(client, silence(1000));

  const events = client.events.slice(1);
  const updated = events.shift()!;
  equal(updated.type, "session.updated");
  notEqual(updated.event_id, "update_1");
  equal(updated.session.audio.input.turn_detection.silence_duration_ms, 500);
  equal(updated.session.audio.input.turn_detection.threshold, 0.5);

  const turnLength = VAD_TURN.length + RESPONSE.length;
  const turns: Received[][] = [];
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
    deepEqual(shape(turn), [...VAD_TURN, ...RESPONSE]);
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
    const retrieved = await client.nextOf("conversation.item.retrieved");
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

Deno.test("session with VAD off refuses a commit under 100 ms, then commits and answers response.create", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openManual(emulator.url);
  client.append(silence(50));
  client.send({ type: "input_audio_buffer.commit", event_id: "commit_10" });
  const error = await client.next();
  deepEqual(error.error, {
    type: "invalid_request_error",
    code: "input_audio_buffer_commit_empty",
    message: "Error committing input audio buffer: buffer too small. Expected at least 100ms " +
      "of audio, but buffer only has 50.00ms of audio.",
    param: null,
    event_id: "commit_10",
  });
  // The floor counts all audio since the last commit: 50 + 250 ms now.
  const committed = await commitTone(client, 250);
  equal(committed.previous_item_id, null);
  client.send({ type: "input_audio_buffer.commit", event_id: "commit_11" });
  equal((await client.next()).error.message.endsWith("buffer only has 0.00ms of audio."), true);

  client.send({ type: "response.create" });
  const events = await client.until("rate_limits.updated");
  deepEqual(shape(events), RESPONSE);
  equal(joinAudioDeltas(events).length, 300 * BYTES_PER_MS);
  equal(events[0].response.output_modalities[0], "audio");
  equal(events[0].response.audio.output.voice, "alloy");
});

Deno.test("session refuses a second response.create naming the active response", async () => {
  await using emulator = startEmulator({ speedup: 1 });
  await using client = await openManual(emulator.url);
  await commitTone(client, 400);
  client.send({ type: "response.create" });
  client.send({ type: "response.create", event_id: "second" });
  const created = await client.nextOf("response.created");
  const error = await client.nextOf("error");
  equal(error.error.code, "conversation_already_has_active_response");
  equal(
    error.error.message,
    `Conversation already has an active response in progress: ${created.response.id}. ` +
      "Wait until the response is finished before creating a new one.",
  );
  equal(error.error.event_id, "second");
  client.send({ type: "response.cancel" });
  await client.nextOf("rate_limits.updated");
});

Deno.test("response.cancel ends the active response as cancelled, and errors when none is active", async () => {
  await using emulator = startEmulator({ speedup: 1 });
  await using client = await openManual(emulator.url);
  client.send({ type: "response.cancel", event_id: "cancel_0" });
  const idle = await client.next();
  deepEqual(idle.error, {
    type: "invalid_request_error",
    code: "response_cancel_not_active",
    message: "Cancellation failed: no active response found",
    param: null,
    event_id: "cancel_0",
  });

  await commitTone(client, 2000);
  client.send({ type: "response.create" });
  await client.nextOf("response.output_audio.delta");
  client.send({ type: "response.cancel", response_id: "resp_other", event_id: "cancel_1" });
  equal((await client.nextOf("error")).error.event_id, "cancel_1");
  client.send({ type: "response.cancel" });
  const events = await client.until("rate_limits.updated");
  const done = events.find(isType("response.done"))!;
  equal(done.response.status, "cancelled");
  deepEqual(done.response.status_details, { type: "cancelled", reason: "client_cancelled" });
  equal(done.response.output[0].status, "incomplete");
  deepEqual(shape(events).slice(-7), [
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "conversation.item.done",
    "response.output_item.done",
    "response.done",
    "rate_limits.updated",
  ]);
  // No delta after the cancel.
  await new Promise((resolve) => setTimeout(resolve, 250));
  await client.sync();
  equal(client.hasUnread, false);
  client.send({ type: "response.cancel", event_id: "cancel_2" });
  equal((await client.next()).error.code, "response_cancel_not_active");
});

Deno.test("speech during a response cancels it with turn_detected; truncate then cuts the item", async () => {
  // Slower than real time, so the response is surely still playing when the user barges in.
  await using emulator = startEmulator({ speedup: 0.5 });
  await using client = await TestClient.open(emulator.url);
  client.send({
    type: "session.update",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", silence_duration_ms: 500 } } },
    },
  });
  await client.nextOf("session.updated");
  const speech = await readFixture("speech_24k.wav");
  const firstEnd = Math.round(3300 * BYTES_PER_MS);
  await stream(client, speech.subarray(0, firstEnd));
  const created = await client.nextOf("response.created");
  const responseId = created.response.id;
  const assistantId = (await client.nextOf("response.output_item.added")).item.id;
  for (let i = 0; i < 3; i++) await client.nextOf("response.output_audio.delta");
  // The second utterance starts at 3.6 s: barge in.
  await stream(client, speech.subarray(firstEnd, Math.round(4600 * BYTES_PER_MS)));
  const events = await client.until("rate_limits.updated").catch((error) => {
    throw new Error(`${error.message}: ${shape(client.events).join(", ")}`);
  });
  const started = events.findIndex(isType("input_audio_buffer.speech_started"));
  const done = events.findIndex(isType("response.done"));
  ok(started >= 0 && started < done, shape(events).join(", "));
  deepEqual(events[done].response.status_details, { type: "cancelled", reason: "turn_detected" });
  equal(events[done].response.id, responseId);

  // The response sent part of its audio and nothing after response.done.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await client.sync();
  const sent = joinAudioDeltas(client.events, responseId);
  const sentMs = sent.length / BYTES_PER_MS;
  ok(sentMs >= 300 && sentMs < 2600, `sent ${sentMs} ms`);
  const afterDone = client.events.slice(client.events.indexOf(events[done]) + 1);
  equal(afterDone.filter((e) => e.response_id === responseId).length, 0);

  // Truncate: unknown item, past the end, then within.
  client.send({
    type: "conversation.item.truncate",
    event_id: "t1",
    item_id: "item_missing",
    content_index: 0,
    audio_end_ms: 0,
  });
  const unknown = await client.nextOf("error");
  equal(unknown.error.code, "item_truncate_invalid_item_id");
  equal(unknown.error.event_id, "t1");
  client.send({
    type: "conversation.item.truncate",
    item_id: assistantId,
    content_index: 0,
    audio_end_ms: 55960,
  });
  const tooLong = await client.nextOf("error");
  equal(tooLong.error.code, null);
  equal(tooLong.error.message, `Audio content of ${sentMs}ms is already shorter than 55960ms`);
  client.send({
    type: "conversation.item.truncate",
    item_id: assistantId,
    content_index: 0,
    audio_end_ms: 250,
  });
  const truncated = await client.nextOf("conversation.item.truncated");
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
  const retrieved = (await client.nextOf("conversation.item.retrieved")).item;
  equal(retrieved.content[0].transcript, null);
  deepEqual(decodeBase64(retrieved.content[0].audio), sent.subarray(0, 250 * BYTES_PER_MS));
});

Deno.test("session answers bad frames with one error each, echoing event_id, and keeps working", async () => {
  await using emulator = startEmulator();
  await using client = await TestClient.open(emulator.url);
  client.sendRaw("{not json");
  client.send({ type: "nope", event_id: "evt_1" });
  client.sendRaw(new Uint8Array([1, 2, 3, 4]));
  client.send({ type: "input_audio_buffer.clear", event_id: "evt_2", bogus: 1 });
  client.send({
    type: "session.update",
    event_id: "evt_3",
    session: {
      type: "realtime",
      instructions: "changed",
      audio: { input: { format: { type: "audio/pcm", rate: 16000 } } },
    },
  });
  client.send({ type: "session.update", event_id: "evt_4", session: { instructions: "x" } });
  client.send({ type: "input_audio_buffer.append", event_id: "evt_5", audio: "!!" });
  client.send({ type: "conversation.item.delete", event_id: "evt_6", item_id: "item_gone" });
  client.send({ type: "input_audio_buffer.clear" });
  const events = await client.until("input_audio_buffer.cleared");
  deepEqual(events.map((e) => [e.error?.code, e.error?.event_id, e.error?.param]), [
    ["invalid_json", null, null],
    ["invalid_value", "evt_1", "type"],
    ["invalid_event", null, null],
    ["unknown_parameter", "evt_2", "bogus"],
    ["integer_below_min_value", "evt_3", "session.audio.input.format.rate"],
    ["missing_required_parameter", "evt_4", "session.type"],
    ["invalid_value", "evt_5", "audio"],
    ["item_delete_invalid_item_id", "evt_6", null],
    [undefined, undefined, undefined],
  ]);
  match(events[0].error.message, /^Invalid event: failed to parse JSON value\./);
  match(
    events[1].error.message,
    /^Invalid value: 'nope'\. Supported values are: 'session\.update'/,
  );
  equal(
    events[7].error.message,
    "Error deleting item: the item with id 'item_gone' does not exist.",
  );
  // The rejected update was dropped whole.
  client.send({ type: "session.update", session: { type: "realtime", tool_choice: "none" } });
  const updated = await client.nextOf("session.updated");
  notEqual(updated.session.instructions, "changed");
  equal(updated.session.tool_choice, "none");
});

Deno.test("session.update merges partially and the voice locks after the first assistant audio", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openManual(emulator.url);
  client.send({
    type: "session.update",
    session: { type: "realtime", instructions: "Coach me.", audio: { output: { voice: "marin" } } },
  });
  const updated = (await client.nextOf("session.updated")).session;
  equal(updated.instructions, "Coach me.");
  equal(updated.audio.output.voice, "marin");
  equal(updated.audio.input.turn_detection, null);
  equal(updated.audio.output.speed, 1);

  client.send({ type: "response.create" });
  const events = await client.until("rate_limits.updated");
  // No user audio yet: a short tone and a transcript saying so.
  match(
    events.find(isType("response.output_audio_transcript.done"))!.transcript,
    /no speech to echo/,
  );
  equal(joinAudioDeltas(events).length, 500 * BYTES_PER_MS);
  equal(events[0].response.audio.output.voice, "marin");

  client.send({
    type: "session.update",
    event_id: "voice",
    session: { type: "realtime", audio: { output: { voice: "cedar" } } },
  });
  const error = await client.next();
  equal(error.error.code, "cannot_update_voice");
  equal(error.error.message, "Cannot update a conversation's voice if assistant audio is present.");
  equal(error.error.event_id, "voice");
});

Deno.test("session reports transcription as failed for committed items, never inventing a transcript", async () => {
  await using emulator = startEmulator();
  await using client = await openManual(emulator.url);
  client.send({
    type: "session.update",
    session: { type: "realtime", audio: { input: { transcription: { model: "whisper-1" } } } },
  });
  await client.nextOf("session.updated");
  const samples = new Int16Array(2400).fill(1000);
  client.append(new Uint8Array(samples.buffer));
  client.send({ type: "input_audio_buffer.commit" });
  const events = await client.until("conversation.item.input_audio_transcription.failed");
  const failed = events.at(-1)!;
  equal(failed.item_id, events[0].item_id);
  equal(failed.content_index, 0);
  equal(failed.error.code, "transcription_unavailable");
  match(failed.error.message, /unavailable in the local Realtime emulator/);
});

Deno.test("conversation.item.create, retrieve and delete keep the conversation in order", async () => {
  await using emulator = startEmulator();
  await using client = await openManual(emulator.url);
  client.send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] },
  });
  const [added, done] = await client.until("conversation.item.done");
  equal(added.type, "conversation.item.added");
  equal(added.previous_item_id, null);
  const first = added.item.id;
  deepEqual(done.item, {
    id: first,
    object: "realtime.item",
    type: "message",
    status: "completed",
    role: "user",
    content: [{ type: "input_text", text: "Hi" }],
  });
  const audio = new Uint8Array(9600).fill(7);
  client.send({
    type: "conversation.item.create",
    previous_item_id: "root",
    item: {
      id: "item_custom",
      type: "message",
      role: "user",
      content: [{ type: "input_audio", audio: encodeBase64(audio) }],
    },
  });
  const second = await client.nextOf("conversation.item.added");
  equal(second.previous_item_id, null);
  deepEqual(second.item.content, [{ type: "input_audio", transcript: null }]);
  client.send({ type: "conversation.item.create", event_id: "dup", item: { ...second.item } });
  equal((await client.nextOf("error")).error.event_id, "dup");
  client.send({ type: "conversation.item.retrieve", item_id: "item_custom" });
  const retrieved = await client.nextOf("conversation.item.retrieved");
  deepEqual(decodeBase64(retrieved.item.content[0].audio), audio);
  client.send({ type: "conversation.item.delete", item_id: "item_custom" });
  equal((await client.nextOf("conversation.item.deleted")).item_id, "item_custom");
  client.send({ type: "conversation.item.retrieve", event_id: "gone", item_id: "item_custom" });
  const error = await client.nextOf("error");
  equal(error.error.code, "item_retrieve_invalid_item_id");
  // The next item follows the remaining one.
  client.send({
    type: "conversation.item.create",
    item: { type: "message", role: "system", content: [{ type: "input_text", text: "Be kind" }] },
  });
  equal((await client.nextOf("conversation.item.added")).previous_item_id, first);
});

Deno.test("session in audio/pcmu echoes μ-law at 8 kHz", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openManual(emulator.url);
  const pcmu = { type: "audio/pcmu" };
  client.send({
    type: "session.update",
    session: { type: "realtime", audio: { input: { format: pcmu }, output: { format: pcmu } } },
  });
  equal((await client.nextOf("session.updated")).session.audio.output.format.type, "audio/pcmu");
  const bytes = new Uint8Array(2400); // 300 ms at 8 kHz
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = linearToMuLaw(Math.round(6000 * Math.sin(i / 3)));
  }
  // One byte per sample: appends of odd lengths are whole samples in G.711.
  client.append(bytes.subarray(0, 1199));
  client.append(bytes.subarray(1199));
  client.send({ type: "input_audio_buffer.commit" });
  await client.nextOf("conversation.item.done");
  client.send({ type: "response.create" });
  const events = await client.until("rate_limits.updated");
  equal(events.filter(isType("error")).length, 0);
  const echo = joinAudioDeltas(events);
  equal(echo.length, 2400);
  match(events.find(isType("response.output_audio_transcript.done"))!.transcript, /0\.3 s/);
  // The round trip through 24 kHz keeps the signal close (μ-law steps are coarse).
  let error = 0;
  for (let i = 0; i < bytes.length; i++) {
    error += Math.abs(muLawToLinear(echo[i]) - muLawToLinear(bytes[i]));
  }
  ok(error / bytes.length < 300, `mean error ${error / bytes.length} of amplitude 6000`);
});

Deno.test("server_vad idle_timeout_ms commits the quiet buffer and answers after a response", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await TestClient.open(emulator.url);
  client.send({
    type: "session.update",
    session: {
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", idle_timeout_ms: 5000 } } },
    },
  });
  await client.nextOf("session.updated");
  client.send({ type: "response.create" });
  await client.nextOf("rate_limits.updated");
  await stream(client, silence(4000), 50);
  await client.sync();
  equal(client.hasUnread, false);
  await stream(client, silence(2000), 50);
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

// ---------------------------------------------------------------------------------------------
// The state machine driven directly, with a scripted detector

/** A detector that reports scripted events when its own clock (ms pushed) reaches them. */
class ScriptedVad implements Vad {
  pushedMs = 0;
  inSpeech = false;
  closed = false;
  resets = 0;
  configured: VadOptions[] = [];
  #script: { atMs: number; event: VadEvent }[];

  constructor(script: { atMs: number; event: VadEvent }[]) {
    this.#script = [...script];
  }
  configure(options: VadOptions): void {
    this.configured.push(options);
  }
  push(samples: Int16Array): VadEvent[] {
    this.pushedMs += samples.length / 24;
    const due: VadEvent[] = [];
    while (this.#script.length > 0 && this.#script[0].atMs <= this.pushedMs) {
      const { event } = this.#script.shift()!;
      this.inSpeech = event.type === "speech_started";
      due.push(event);
    }
    return due;
  }
  reset(): void {
    this.resets++;
    this.inSpeech = false;
  }
  close(): void {
    this.closed = true;
  }
}

function direct(vad: Vad | Promise<Vad>) {
  const sent: Received[] = [];
  const closes: [number, string][] = [];
  const session = new EmulatedSession({
    send: (text) => sent.push(JSON.parse(text)),
    close: (code, reason) => closes.push([code, reason]),
  }, { model: "gpt-realtime", speedup: 1000, createVad: () => Promise.resolve(vad) });
  const frame = (ms: number) =>
    JSON.stringify({ type: "input_audio_buffer.append", audio: encodeBase64(silence(ms)) });
  return { session, sent, closes, frame };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("EmulatedSession queues frames until the detector loads, then handles them in order", async () => {
  const { promise, resolve } = Promise.withResolvers<Vad>();
  const vad = new ScriptedVad([]);
  const { session, sent, frame } = direct(promise);
  session.start();
  session.receive(frame(100));
  session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
  session.receive(JSON.stringify({ type: "input_audio_buffer.clear" }));
  deepEqual(sent.map((e) => e.type), ["session.created"]);
  resolve(vad);
  await tick();
  deepEqual(shape(sent), [
    "session.created",
    "input_audio_buffer.committed",
    "conversation.item.added",
    "conversation.item.done",
    "input_audio_buffer.cleared",
  ]);
  equal(vad.pushedMs, 100);
  session.dispose();
  equal(vad.closed, true);
});

Deno.test("EmulatedSession.dispose() before the detector loads closes it when it arrives", async () => {
  const { promise, resolve } = Promise.withResolvers<Vad>();
  const vad = new ScriptedVad([]);
  const { session, sent } = direct(promise);
  session.start();
  session.dispose();
  resolve(vad);
  await tick();
  equal(vad.closed, true);
  equal(session.closed, true);
  session.receive(JSON.stringify({ type: "input_audio_buffer.clear" }));
  equal(sent.length, 1);
});

Deno.test("EmulatedSession maps the detector's clock onto the session's after VAD was off", async () => {
  const vad = new ScriptedVad([
    { atMs: 200, event: { type: "speech_started", audioStartMs: 100 } },
    { atMs: 900, event: { type: "speech_stopped", audioEndMs: 800 } },
  ]);
  const { session, sent, frame } = direct(vad);
  session.start();
  await tick();
  const update = (turnDetection: unknown) =>
    session.receive(JSON.stringify({
      type: "session.update",
      session: { type: "realtime", audio: { input: { turn_detection: turnDetection } } },
    }));
  update(null);
  session.receive(frame(1000)); // not fed: the detector's clock stays at 0
  equal(vad.pushedMs, 0);
  update({ type: "semantic_vad", eagerness: "high", create_response: false });
  deepEqual(vad.configured.at(-1), {
    threshold: 0.5,
    prefixPaddingMs: 300,
    silenceDurationMs: 300,
  });
  for (let i = 0; i < 50; i++) session.receive(frame(20));
  const started = sent.find((e) => e.type === "input_audio_buffer.speech_started")!;
  const stopped = sent.find((e) => e.type === "input_audio_buffer.speech_stopped")!;
  equal(started.audio_start_ms, 1100);
  equal(stopped.audio_end_ms, 1800);
  // The turn holds exactly audio_start_ms..audio_end_ms; no response (create_response false).
  const committed = sent.find((e) => e.type === "input_audio_buffer.committed")!;
  equal(committed.item_id, started.item_id);
  equal(sent.some((e) => e.type === "response.created"), false);
  session.receive(JSON.stringify({ type: "conversation.item.retrieve", item_id: started.item_id }));
  const retrieved = sent.at(-1)!;
  equal(decodeBase64(retrieved.item.content[0].audio).length, 700 * BYTES_PER_MS);
  session.dispose();
});

Deno.test("EmulatedSession commits a turn in progress under its announced id on a manual commit", async () => {
  const vad = new ScriptedVad([{ atMs: 300, event: { type: "speech_started", audioStartMs: 0 } }]);
  const { session, sent, frame } = direct(vad);
  session.start();
  await tick();
  session.receive(frame(400));
  const started = sent.at(-1)!;
  equal(started.type, "input_audio_buffer.speech_started");
  session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
  equal(sent.find((e) => e.type === "input_audio_buffer.committed")!.item_id, started.item_id);
  equal(vad.resets, 1);
  session.dispose();
});

Deno.test("vadOptionsFor() maps server_vad fields and fixes semantic_vad settings", () => {
  deepEqual(
    vadOptionsFor({
      type: "server_vad",
      threshold: 0.7,
      prefix_padding_ms: 100,
      silence_duration_ms: 450,
      idle_timeout_ms: null,
      create_response: true,
      interrupt_response: true,
    }),
    { threshold: 0.7, prefixPaddingMs: 100, silenceDurationMs: 450 },
  );
  equal(
    vadOptionsFor({
      type: "semantic_vad",
      eagerness: "low",
      create_response: true,
      interrupt_response: true,
    })
      .silenceDurationMs,
    1000,
  );
});

Deno.test("an idle session with its real detector holds a few KB of heap", async () => {
  // Per-session memory in local mode (BENCHMARKS.md, Load): an idle session must not pay for
  // what only audio needs, such as the detector's resampler. Garbage can only add to the
  // growth measured, so the bound is safe without a forced GC.
  const open = () => {
    const session = new EmulatedSession({ send() {}, close() {} }, {
      model: "gpt-realtime",
      createVad: (options) => VoiceActivityDetector.create(options),
    });
    session.start();
    return session;
  };
  open().dispose();
  await tick();
  const count = 200;
  const sessions: EmulatedSession[] = [];
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) sessions.push(open());
  await tick();
  const perSession = (Deno.memoryUsage().heapUsed - before) / count;
  for (const session of sessions) session.dispose();
  ok(perSession < 16 * 1024, `an idle session grew the heap by ${Math.round(perSession)} bytes`);
});

// ---- memory caps ------------------------------------------------------------------------------

Deno.test("EmulatedSession keeps at most MAX_BUFFER_MS of uncommitted input however much is appended", async () => {
  const { session, sent } = direct(new ScriptedVad([]));
  session.start();
  await tick();
  const cap = MAX_BUFFER_MS * BYTES_PER_MS;
  const second = JSON.stringify({
    type: "input_audio_buffer.append",
    audio: encodeBase64(silence(1000)),
  });
  // Ten minutes of audio, five times the cap, with no commit.
  for (let i = 0; i < 600; i++) {
    session.receive(second);
    ok(session.bufferedAudioBytes <= cap, `${session.bufferedAudioBytes} bytes buffered`);
  }
  equal(session.bufferedAudioBytes, cap);
  equal(sent.filter((e) => e.type === "error").length, 0);
  session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
  equal(session.bufferedAudioBytes, 0);
  equal(session.storedAudioBytes, cap, "the commit took the last two minutes");
  session.dispose();
});

Deno.test("EmulatedSession keeps at most MAX_CONVERSATION_AUDIO_BYTES of conversation audio, dropping the oldest", async () => {
  const { session, sent } = direct(new ScriptedVad([]));
  session.start();
  await tick();
  const cap = MAX_CONVERSATION_AUDIO_BYTES;
  const minute = JSON.stringify({
    type: "input_audio_buffer.append",
    audio: encodeBase64(silence(60_000)),
  });
  let total = 0;
  for (let turn = 0; turn < 12; turn++) {
    // A one-minute user turn, committed…
    session.receive(minute);
    session.receive(JSON.stringify({ type: "input_audio_buffer.commit" }));
    // …and an assistant item with 1.5 MB of audio of its own.
    session.receive(JSON.stringify({
      type: "conversation.item.create",
      item: {
        type: "message",
        role: "assistant",
        content: [{ type: "output_audio", audio: encodeBase64(silence(31_250)) }],
      },
    }));
    total += 60_000 * BYTES_PER_MS + 31_250 * BYTES_PER_MS;
    ok(session.storedAudioBytes <= cap, `${session.storedAudioBytes} bytes stored`);
  }
  ok(total > 4 * cap, "far more than the cap went in");
  ok(session.storedAudioBytes > cap / 2, "the newest items keep their audio");
  equal(sent.filter((e) => e.type === "error").length, 0);
  // The newest user turn is still there to echo, whole.
  const committed = sent.filter((e) => e.type === "input_audio_buffer.committed");
  session.receive(JSON.stringify({
    type: "conversation.item.retrieve",
    item_id: committed.at(-1)!.item_id,
  }));
  const retrieved = sent.at(-1)!;
  equal(retrieved.type, "conversation.item.retrieved");
  equal(decodeBase64(retrieved.item.content[0].audio).length, 60_000 * BYTES_PER_MS);
  session.dispose();
});

Deno.test("EmulatedSession refuses frames past MAX_PENDING_BYTES while the detector loads, and handles the rest in order", async () => {
  const { promise, resolve } = Promise.withResolvers<Vad>();
  const { session, sent } = direct(promise);
  session.start();
  const frame = JSON.stringify({
    type: "input_audio_buffer.append",
    audio: encodeBase64(silence(10_000)),
  });
  const fits = Math.floor(MAX_PENDING_BYTES / frame.length);
  for (let i = 0; i < fits + 3; i++) session.receive(frame);
  const refused = sent.filter((e) => e.type === "error");
  equal(refused.length, 3);
  equal(refused[0].error.type, "server_error");
  match(refused[0].error.message, /still starting/);
  resolve(new ScriptedVad([]));
  await tick();
  equal(session.bufferedAudioBytes, Math.min(fits * 10_000, MAX_BUFFER_MS) * BYTES_PER_MS);
  session.dispose();
});
