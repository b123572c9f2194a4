import { deepEqual, equal } from "node:assert/strict";
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { decodeBase64 } from "@/lib/shared/base64.ts";
import { openManual, startEmulator, streamAudio } from "./emulator.ts";
import { silence } from "./fixtures.ts";
import { COMMIT, shape } from "./ga_sequences.ts";

Deno.test("startEmulator() serves GA sessions and keeps the emulator's log lines", async () => {
  await using emulator = startEmulator();
  await using client = await openManual(emulator.url);
  equal(client.received[1].session.audio.input.turn_detection, null);
  equal(emulator.logs[0].msg, "emulator session started");
});

Deno.test("streamAudio() appends 20 ms frames and returns once the emulator has them all", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openManual(emulator.url);
  await streamAudio(client, silence(250), 4);
  client.send({ type: "input_audio_buffer.commit" });
  const events = await client.until("conversation.item.done");
  deepEqual(shape(events), COMMIT);
  client.send({ type: "conversation.item.retrieve", item_id: events[0].item_id });
  const retrieved = await client.next("conversation.item.retrieved");
  // Twelve whole frames and a half one: every byte arrived.
  deepEqual(decodeBase64(retrieved.item.content[0].audio), silence(250));
  equal(silence(250).length, 12.5 * FRAME_BYTES);
});
