/**
 * The emulator's responses with turn detection off, over a real socket: the commit floor,
 * one response at a time, cancelling, the session update that locks the voice, and the
 * honest transcription failure.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { BYTES_PER_MS } from "../../shared/audio_format.ts";
import { openManual, startEmulator } from "@/testing/emulator.ts";
import { silence } from "@/testing/fixtures.ts";
import {
  AUDIO_RESPONSE,
  COMMIT,
  isType,
  joinAudioDeltas,
  RATE_LIMITS_UPDATED,
  shape,
} from "@/testing/ga_sequences.ts";
import type { Json, TestClient } from "@/testing/ws_client.ts";

const RESPONSE = [...AUDIO_RESPONSE, RATE_LIMITS_UPDATED];

/** Appends `ms` of a 300 Hz tone and commits; returns the committed event. */
async function commitTone(client: TestClient, ms: number): Promise<Json> {
  const samples = new Int16Array(Math.round(ms * 24));
  for (let i = 0; i < samples.length; i++) samples[i] = 8000 * Math.sin(i * 0.0785);
  client.append(new Uint8Array(samples.buffer));
  client.send({ type: "input_audio_buffer.commit" });
  const events = await client.until("conversation.item.done");
  deepEqual(shape(events), COMMIT);
  return events[0];
}

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
  const created = await client.next("response.created");
  const error = await client.next("error");
  equal(error.error.code, "conversation_already_has_active_response");
  equal(
    error.error.message,
    `Conversation already has an active response in progress: ${created.response.id}. ` +
      "Wait until the response is finished before creating a new one.",
  );
  equal(error.error.event_id, "second");
  client.send({ type: "response.cancel" });
  await client.next("rate_limits.updated");
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
  await client.next("response.output_audio.delta");
  client.send({ type: "response.cancel", response_id: "resp_other", event_id: "cancel_1" });
  equal((await client.next("error")).error.event_id, "cancel_1");
  client.send({ type: "response.cancel" });
  const events = await client.until("rate_limits.updated");
  const done = events.find(isType("response.done"))!;
  equal(done.response.status, "cancelled");
  deepEqual(done.response.status_details, { type: "cancelled", reason: "client_cancelled" });
  equal(done.response.output[0].status, "incomplete");
  // The response closes in the GA order.
  deepEqual(shape(events).slice(-7), [...AUDIO_RESPONSE.slice(-6), RATE_LIMITS_UPDATED]);
  // No delta after the cancel.
  await new Promise((resolve) => setTimeout(resolve, 250));
  await client.sync();
  equal(client.hasUnread, false);
  client.send({ type: "response.cancel", event_id: "cancel_2" });
  equal((await client.next()).error.code, "response_cancel_not_active");
});

Deno.test("session.update merges partially and the voice locks after the first assistant audio", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openManual(emulator.url);
  client.send({
    type: "session.update",
    session: { type: "realtime", instructions: "Coach me.", audio: { output: { voice: "marin" } } },
  });
  const updated = (await client.next("session.updated")).session;
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
  await client.next("session.updated");
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
