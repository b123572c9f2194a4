/**
 * The emulator's local coach over a real socket with turn detection off: typed and spoken
 * turns answered by the delivery coach and by the echo, text-only answers, and the shared
 * voice given back when the last session ends.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { TYPED_TURN } from "../coach/feedback.ts";
import { TYPED_ECHO_PREFIX } from "../coach/local_coach.ts";
import { coachVoiceHolders } from "../coach/voice.ts";
import { openManual, startEmulator } from "@/testing/emulator.ts";
import { AUDIO_RESPONSE, joinAudioDeltas, shape } from "@/testing/ga_sequences.ts";
import { waitFor } from "@/testing/wait.ts";
import type { Json, TestClient } from "@/testing/ws_client.ts";

const ANSWER_MS = 30_000;

function typed(client: TestClient, text: string): void {
  client.send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
  });
}

async function answer(client: TestClient, response: Json = {}): Promise<Json[]> {
  client.send({ type: "response.create", response });
  const events = await client.until("response.done", ANSWER_MS);
  return events.slice(events.findIndex((e) => e.type === "response.created"));
}

function transcript(events: Json[]): string {
  return events.find((e) => e.type === "response.output_audio_transcript.done")!.transcript;
}

/** 1.2 s of a 300 Hz tone, committed: a spoken turn without syllables. */
async function commitTone(client: TestClient): Promise<void> {
  const samples = new Int16Array(1200 * 24);
  for (let i = 0; i < samples.length; i++) samples[i] = 8000 * Math.sin(i * 0.0785);
  client.append(new Uint8Array(samples.buffer));
  client.send({ type: "input_audio_buffer.commit" });
  await client.next("conversation.item.done");
}

Deno.test("emulator, delivery coach: a typed turn gets the spoken invitation to say it aloud, in GA's events", async () => {
  {
    await using emulator = startEmulator({ coach: "delivery", speedup: 100 });
    await using client = await openManual(emulator.url);
    typed(client, "Is my pace all right?");
    const added = await client.next("conversation.item.added");
    deepEqual(added.item.content, [{ type: "input_text", text: "Is my pace all right?" }]);
    await client.next("conversation.item.done");
    const spoken = await answer(client);
    deepEqual(shape(spoken), AUDIO_RESPONSE);
    equal(transcript(spoken), TYPED_TURN);
    ok(joinAudioDeltas(spoken).length > 48_000, "over a second of speech");

    // Text output: the same words, nothing synthesized.
    const written = await answer(client, { output_modalities: ["text"] });
    equal(written.find((e) => e.type === "response.output_text.done")!.text, TYPED_TURN);

    // A spoken turn after it is what the next answer is about.
    await commitTone(client);
    const about = transcript(await answer(client));
    ok(about !== TYPED_TURN, about);
    equal(client.received.filter((e) => e.type === "error").length, 0);
    await client.close();
    await waitFor(() => coachVoiceHolders() === 0, { what: "the session's hold released" });
  }
  equal(coachVoiceHolders(), 0);
});

Deno.test("emulator, echo: a typed turn is read back; a spoken one is still played back as it was", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openManual(emulator.url);
  await commitTone(client);
  const echoed = await answer(client);
  match(transcript(echoed), /^\(local echo of 1\.2 s of your speech\)$/);
  equal(joinAudioDeltas(echoed).length, 1200 * 48, "the turn's own audio");
  typed(client, "Read me back.");
  await client.next("conversation.item.done");
  const read = await answer(client);
  equal(transcript(read), `${TYPED_ECHO_PREFIX}Read me back.`);
  ok(joinAudioDeltas(read).length > 24_000);
  await client.close();
  await waitFor(() => coachVoiceHolders() === 0, { what: "the session's hold released" });
});
