/**
 * The emulator's conversation and its errors, over a real socket: bad frames each get one GA
 * error and the session goes on; items are created, retrieved and deleted in order; audio in
 * G.711 μ-law is echoed in kind.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../shared/base64.ts";
import { openManual, startEmulator } from "@/testing/emulator.ts";
import { isType, joinAudioDeltas } from "@/testing/ga_sequences.ts";
import { openRealtime } from "@/testing/ws_client.ts";
import { linearToMuLaw, muLawToLinear } from "./g711.ts";

Deno.test("session answers bad frames with one error each, echoing event_id, and keeps working", async () => {
  await using emulator = startEmulator();
  await using client = await openRealtime(emulator.url);
  client.send("{not json");
  client.send({ type: "nope", event_id: "evt_1" });
  client.send(new Uint8Array([1, 2, 3, 4]));
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
  // That the rejected update was dropped whole, testing/ga_conformance.ts checks.
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
  const second = await client.next("conversation.item.added");
  equal(second.previous_item_id, null);
  deepEqual(second.item.content, [{ type: "input_audio", transcript: null }]);
  client.send({ type: "conversation.item.create", event_id: "dup", item: { ...second.item } });
  equal((await client.next("error")).error.event_id, "dup");
  client.send({ type: "conversation.item.retrieve", item_id: "item_custom" });
  const retrieved = await client.next("conversation.item.retrieved");
  deepEqual(decodeBase64(retrieved.item.content[0].audio), audio);
  client.send({ type: "conversation.item.delete", item_id: "item_custom" });
  equal((await client.next("conversation.item.deleted")).item_id, "item_custom");
  client.send({ type: "conversation.item.retrieve", event_id: "gone", item_id: "item_custom" });
  const error = await client.next("error");
  equal(error.error.code, "item_retrieve_invalid_item_id");
  // The next item follows the remaining one.
  client.send({
    type: "conversation.item.create",
    item: { type: "message", role: "system", content: [{ type: "input_text", text: "Be kind" }] },
  });
  equal((await client.next("conversation.item.added")).previous_item_id, first);
});

Deno.test("session in audio/pcmu echoes μ-law at 8 kHz", async () => {
  await using emulator = startEmulator({ speedup: 100 });
  await using client = await openManual(emulator.url);
  const pcmu = { type: "audio/pcmu" };
  client.send({
    type: "session.update",
    session: { type: "realtime", audio: { input: { format: pcmu }, output: { format: pcmu } } },
  });
  equal((await client.next("session.updated")).session.audio.output.format.type, "audio/pcmu");
  const bytes = new Uint8Array(2400); // 300 ms at 8 kHz
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = linearToMuLaw(Math.round(6000 * Math.sin(i / 3)));
  }
  // One byte per sample: appends of odd lengths are whole samples in G.711.
  client.append(bytes.subarray(0, 1199));
  client.append(bytes.subarray(1199));
  client.send({ type: "input_audio_buffer.commit" });
  await client.next("conversation.item.done");
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
