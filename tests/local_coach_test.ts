/**
 * The local coach through the relay, over real sockets, as a browser meets it: a recorded
 * human utterance goes in as 20 ms appends, and the coach answers with speech whose
 * transcript leads with the words-a-minute figure measured from that very turn, in the GA
 * order of an echo's answer. Barge-in and cancel during its synthesis behave as the echo's.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { coachVoiceHolders, coachVoiceRunning } from "@/lib/server/coach/voice.ts";
import { measureTurn } from "@/lib/server/coach/local_coach.ts";
import { BYTES_PER_MS, FRAME_BYTES, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { analyzeDelivery } from "@/lib/shared/delivery.ts";
import { wordsPerMinute } from "@/lib/shared/delivery_bands.ts";
import { floatToPcm16, pcm16ToFloat } from "@/lib/shared/pcm16.ts";
import { concat } from "@/testing/bytes.ts";
import { fixture, readMono } from "@/testing/delivery_corpus.ts";
import { silence } from "@/testing/fixtures.ts";
import { joinAudioDeltas, shape, VAD_TURN_WITH_RESPONSE } from "@/testing/ga_sequences.ts";
import { startTestServer } from "@/testing/server.ts";
import { type Json, openRelay, type TestClient } from "@/testing/ws_client.ts";

/** One LibriVox sentence (5.3 s, read at about 160 words a minute): one VAD turn. */
const UTTERANCE = "librivox_0890.wav";
/** The delivery coach, and audio as fast as the test sends it. */
const ENV = { LOCAL_COACH: "delivery", MAX_AUDIO_SPEED: "off" };
const TRANSCRIPTION_FAILED = "conversation.item.input_audio_transcription.failed";
/** Synthesis on a busy 2-core machine takes well under this. */
const ANSWER_MS = 30_000;

/** The utterance between 0.5 s of silence before and 1.5 s after, as 24 kHz PCM16. */
async function utterance(): Promise<Uint8Array> {
  const { samples, rate } = await readMono(fixture(UTTERANCE));
  equal(rate, WIRE_SAMPLE_RATE);
  return concat([silence(500), floatToPcm16(samples), silence(1500)]);
}

/**
 * A server with the delivery coach and a relay client on it, past `session.updated`, with the
 * utterance to send; disposing closes the client, then the server.
 */
async function openCoach() {
  const stream = await utterance();
  const server = await startTestServer(ENV);
  const client = await openRelay(server.url);
  await client.next("session.updated");
  return {
    client,
    stream,
    async [Symbol.asyncDispose]() {
      await client[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
    },
  };
}

function send(client: TestClient, pcm: Uint8Array): void {
  for (let offset = 0; offset < pcm.length; offset += FRAME_BYTES) {
    client.append(pcm.subarray(offset, offset + FRAME_BYTES));
  }
}

/** The appended audio between a turn's `speech_started` and `speech_stopped`: what was committed. */
function committed(stream: Uint8Array, started: Json, stopped: Json): Uint8Array {
  return stream.subarray(
    started.audio_start_ms * BYTES_PER_MS,
    stopped.audio_end_ms * BYTES_PER_MS,
  );
}

Deno.test("local coach: a spoken turn is answered with speech about its measured pace, in the GA order", async () => {
  {
    await using coach = await openCoach();
    const { client, stream } = coach;
    send(client, stream);
    const events = await client.until("response.done", ANSWER_MS);
    events.push(await client.next("rate_limits.updated"));
    const turn = events.slice(events.findIndex((e) => e.type.endsWith("speech_started")));
    // The relay asks for transcription, which local mode cannot do: GA's failure event, aside.
    deepEqual(shape(turn.filter((e) => e.type !== TRANSCRIPTION_FAILED)), VAD_TURN_WITH_RESPONSE);

    const started = turn.find((e) => e.type === "input_audio_buffer.speech_started")!;
    const stopped = turn.find((e) => e.type === "input_audio_buffer.speech_stopped")!;
    const wpm = wordsPerMinute(measureTurn(committed(stream, started, stopped)).syllablesPerSecond);
    ok(wpm >= 100 && wpm <= 250, `the analyzer reads ${wpm} words a minute`);

    const transcript = turn.find((e) => e.type === "response.output_audio_transcript.done")!
      .transcript;
    ok(transcript.startsWith(`About ${wpm} words a minute — `), transcript);
    const deltas = turn.filter((e) => e.type === "response.output_audio_transcript.delta");
    equal(deltas.map((e) => e.delta).join(""), transcript, "the deltas add up to the transcript");

    const audio = joinAudioDeltas(turn);
    const seconds = audio.length / BYTES_PER_MS / 1000;
    ok(seconds > 1, `${seconds} s of answer`);
    // It is speech, not a tone or silence.
    const spoken = analyzeDelivery(pcm16ToFloat(audio), WIRE_SAMPLE_RATE);
    ok(spoken.speechSeconds > 1 && spoken.syllables > 5, JSON.stringify(spoken));

    const done = turn.find((e) => e.type === "response.done")!.response;
    equal(done.status, "completed");
    equal(done.output[0].content[0].transcript, transcript);
    ok(done.usage.output_token_details.audio_tokens > 0, JSON.stringify(done.usage));
    equal(client.received.filter((e) => e.type === "error").length, 0);
    // The built-in coach bills nothing: its usage is counted and priced at zero.
    const usage = client.received.find((e) => e.type === "relay.usage")!;
    ok(usage.tokens.total > 0, JSON.stringify(usage));
    equal(usage.estimated_cost_usd, 0);
    ok(coachVoiceRunning(), "the shared voice is warm while the server runs");
    await client.close();
  }
  equal(coachVoiceHolders(), 0, "the server's shutdown released the voice");
  equal(coachVoiceRunning(), false, "and its worker stopped");
});

Deno.test("local coach: a barge-in or a cancel while the answer is synthesized ends it as the echo's would", async () => {
  await using coach = await openCoach();
  const { client, stream } = coach;

  // The same utterance again at once: its speech starts while the first answer is in the works.
  send(client, stream);
  const first = await client.next("response.created", ANSWER_MS);
  send(client, stream);
  const interrupted = await client.next(
    (e) => e.type === "response.done" && e.response.id === first.response.id,
    ANSWER_MS,
  );
  equal(interrupted.response.status, "cancelled");
  deepEqual(interrupted.response.status_details, { type: "cancelled", reason: "turn_detected" });
  const second = await client.next("response.done", ANSWER_MS);
  equal(second.response.status, "completed");
  ok(joinAudioDeltas(client.received, second.response.id).length > 1 * WIRE_SAMPLE_RATE * 2);

  // A cancel right after the answer opens: synthesis is still running.
  await client.next("rate_limits.updated");
  client.send({ type: "input_audio_buffer.clear" });
  await client.next("input_audio_buffer.cleared");
  send(client, stream);
  const third = await client.next("response.created", ANSWER_MS);
  client.send({ type: "response.cancel", event_id: "cancel_1" });
  const cancelled = await client.next("response.done", ANSWER_MS);
  equal(cancelled.response.id, third.response.id);
  deepEqual(cancelled.response.status_details, { type: "cancelled", reason: "client_cancelled" });
  const late = client.received.filter((e) =>
    e.response_id === third.response.id && e.type === "response.output_audio.delta" &&
    client.received.indexOf(e) > client.received.indexOf(cancelled)
  );
  deepEqual(late, [], "no audio after the cancel");
  equal(client.received.filter((e) => e.type === "error").length, 0);
  await client.close();
});
