/**
 * The whole server path in local mode, over real sockets: a client streams recorded speech
 * (espeak-ng, three utterances) as 20 ms appends through `/api/relay` into the embedded
 * emulator, and gets one turn per utterance in the GA order, with the echo coach's audio.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { BYTES_PER_MS, FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { speechFrames, speechPcm, speechTruth } from "@/testing/fixtures.ts";
import { joinAudioDeltas, shape, VAD_TURN_WITH_RESPONSE } from "@/testing/ga_sequences.ts";
import { readRecording } from "@/testing/recordings.ts";
import { startTestServer } from "@/testing/server.ts";
import { tempDir } from "@/testing/temp_dir.ts";
import { sleep, waitFor } from "@/testing/wait.ts";
import { openRelay } from "@/testing/ws_client.ts";

const truth = await speechTruth();
const pcm = await speechPcm();

Deno.test("local mode: recorded speech streamed as 20 ms appends gives one turn per utterance, in GA order, with audio back", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await using server = await startTestServer({ RECORD_DIR: dir });
  const client = await openRelay(server.url);
  await client.next("session.created");
  const updated = await client.next("session.updated");
  equal(updated.session.audio.input.turn_detection.silence_duration_ms, 500);

  let responding = false;
  client.socket.on("message", (data) => {
    const type = JSON.parse(String(data)).type;
    if (type === "response.created") responding = true;
  });
  const all = await speechFrames();
  for (let i = 0; i < all.length; i++) {
    client.send({ type: "input_audio_buffer.append", audio: encodeBase64(all[i]) });
    if (i % 5 === 4) await sleep(1);
    // Wait for each reply before streaming on, so no reply is cut short by the next turn.
    if (responding) {
      await client.next("rate_limits.updated", 15000);
      responding = false;
    }
  }
  // Trailing silence in the file closes the last turn.
  await sleep(300);
  if (responding) await client.next("rate_limits.updated", 15000);

  // The relay's own events (`relay.usage` after each response) are not the GA stream's.
  const events = client.received.filter((e) => e.type !== "error" && !e.type.startsWith("relay."));
  deepEqual(client.received.filter((e) => e.type === "error"), []);
  const started = events.filter((e) => e.type === "input_audio_buffer.speech_started");
  const stopped = events.filter((e) => e.type === "input_audio_buffer.speech_stopped");
  const committed = events.filter((e) => e.type === "input_audio_buffer.committed");
  equal(started.length, 3);
  equal(stopped.length, 3);
  equal(committed.length, 3);
  for (const [i, u] of truth.utterances.entries()) {
    const expectedStart = Math.max(0, u.startMs - 300);
    ok(
      Math.abs(started[i].audio_start_ms - expectedStart) <= 150,
      `turn ${i}: audio_start_ms ${started[i].audio_start_ms}, truth ${expectedStart}`,
    );
    ok(
      Math.abs(stopped[i].audio_end_ms - (u.endMs + 500)) <= 250,
      `turn ${i}: audio_end_ms ${stopped[i].audio_end_ms}`,
    );
    equal(committed[i].item_id, started[i].item_id);
  }

  // Each turn: the GA order (transcription events aside).
  const ordered = shape(events.slice(2).filter((e) => !/input_audio_transcription/.test(e.type)));
  deepEqual(ordered, [
    ...VAD_TURN_WITH_RESPONSE,
    ...VAD_TURN_WITH_RESPONSE,
    ...VAD_TURN_WITH_RESPONSE,
  ]);

  // Audio back: the echo of each committed utterance.
  const output = joinAudioDeltas(events);
  const echoMs = output.length / BYTES_PER_MS;
  const spokenMs = stopped.reduce((n, e, i) => n + e.audio_end_ms - started[i].audio_start_ms, 0);
  ok(Math.abs(echoMs - spokenMs) <= 3 * 20, `echo ${echoMs} ms vs committed ${spokenMs} ms`);
  const transcripts = events.filter((e) => e.type === "response.output_audio_transcript.done");
  equal(transcripts.length, 3);
  ok(
    transcripts.every((e) => /local echo/i.test(e.transcript)),
    transcripts.map((e) => e.transcript).join(" | "),
  );

  // Input transcription is configured by the relay, and honestly unavailable in local mode.
  const failed = events.filter((e) =>
    e.type === "conversation.item.input_audio_transcription.failed"
  );
  equal(failed.length, 3);
  equal(
    events.some((e) => e.type === "conversation.item.input_audio_transcription.completed"),
    false,
  );

  await client.close();
  await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
  const recorded = await readRecording(dir);
  deepEqual(recorded.input, pcm.subarray(0, all.length * FRAME_BYTES));
  deepEqual(recorded.output, output);
});

Deno.test("local mode: bad inputs get the exact GA errors through the relay and the session goes on", async () => {
  await using server = await startTestServer();
  const client = await openRelay(server.url);
  await client.next("session.updated");
  client.send({ type: "input_audio_buffer.append", audio: encodeBase64(new Uint8Array(2400)) });
  client.send({ type: "input_audio_buffer.commit", event_id: "commit_1" });
  const tooSmall = await client.next("error");
  equal(tooSmall.error.code, "input_audio_buffer_commit_empty");
  equal(
    tooSmall.error.message,
    "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 50.00ms of audio.",
  );
  equal(tooSmall.error.event_id, "commit_1");
  client.send({ type: "response.cancel", event_id: "cancel_1" });
  const cancel = await client.next("error");
  equal(cancel.error.code, "response_cancel_not_active");
  equal(cancel.error.message, "Cancellation failed: no active response found");
  client.send({
    type: "conversation.item.truncate",
    item_id: "item_x",
    content_index: 0,
    audio_end_ms: -11,
  });
  const negative = await client.next("error");
  equal(negative.error.code, "integer_below_min_value");
  equal(
    negative.error.message,
    "Invalid 'audio_end_ms': integer below minimum value. Expected a value >= 0, but got -11 instead.",
  );
  client.send({
    type: "session.update",
    session: { type: "realtime", audio: { input: { turn_detection: null } } },
  });
  await client.next("session.updated");
  client.send({ type: "input_audio_buffer.append", audio: encodeBase64(new Uint8Array(4800)) });
  client.send({ type: "input_audio_buffer.commit" });
  await client.next("input_audio_buffer.committed");
  client.send({ type: "response.create" });
  client.send({ type: "response.create", event_id: "create_2" });
  const busy = await client.next("error");
  equal(busy.error.code, "conversation_already_has_active_response");
  equal(busy.error.event_id, "create_2");
  await client.next("response.done", 10000);
  await client.close();
});
