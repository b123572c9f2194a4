import { deepEqual, equal } from "node:assert/strict";
import {
  AUDIO_RESPONSE,
  audioDelta,
  audioResponse,
  COMMIT,
  DELTAS,
  GA_USAGE,
  joinAudioDeltas,
  shape,
  VAD_TURN,
  VAD_TURN_WITH_RESPONSE,
} from "./ga_sequences.ts";

Deno.test("shape() collapses each run of deltas, audio and transcript alike", () => {
  const types = ["a", "x.delta", "y.delta", "x.delta", "b", "x.delta", "c"];
  deepEqual(shape(types.map((type) => ({ type }))), ["a", DELTAS, "b", DELTAS, "c"]);
});

Deno.test("audioResponse() is an audio response in the GA order, its ids consistent", () => {
  const chunks = [new Uint8Array([1, 2]), new Uint8Array([3, 4, 5, 6])];
  const events = audioResponse(chunks, "hi", { responseId: "resp_1", previousItemId: "item_0" });
  deepEqual(shape(events), AUDIO_RESPONSE);
  for (const event of events.slice(3, -1)) {
    if ("response_id" in event) equal(event.response_id, "resp_1");
    if ("item_id" in event) equal(event.item_id, "item_test");
  }
  deepEqual(joinAudioDeltas(events), new Uint8Array([1, 2, 3, 4, 5, 6]));
  deepEqual(joinAudioDeltas(events, "resp_other"), new Uint8Array());
  equal(events[2].previous_item_id, "item_0");
  equal(events.at(-1)!.response.output[0].content[0].transcript, "hi");
  equal(new Set(events.map((e) => e.event_id)).size, events.length, "unique event ids");
});

Deno.test("a whole VAD turn is the turn, the response and the rate limits", () => {
  deepEqual(VAD_TURN_WITH_RESPONSE, [...VAD_TURN, ...AUDIO_RESPONSE, "rate_limits.updated"]);
  deepEqual(COMMIT, [
    "input_audio_buffer.committed",
    "conversation.item.added",
    "conversation.item.done",
  ]);
  const delta = audioDelta("AAA=", "event_1", { responseId: "resp_2", itemId: "item_2" });
  deepEqual(joinAudioDeltas([delta], "resp_2"), new Uint8Array([0, 0]));
});

Deno.test("GA_USAGE adds up: the details make the input, output and total counts", () => {
  const input = GA_USAGE.input_token_details;
  const output = GA_USAGE.output_token_details;
  equal(input.text_tokens + input.audio_tokens, GA_USAGE.input_tokens);
  equal(output.text_tokens + output.audio_tokens, GA_USAGE.output_tokens);
  equal(GA_USAGE.input_tokens + GA_USAGE.output_tokens, GA_USAGE.total_tokens);
  const cached = input.cached_tokens_details;
  equal(cached.text_tokens + cached.audio_tokens, input.cached_tokens);
});
