import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { BYTES_PER_MS } from "../../shared/audio_format.ts";
import { decodeBase64 } from "../../shared/base64.ts";
import type { ServerEvent } from "../../shared/realtime/mod.ts";
import { AUDIO_RESPONSE, shape } from "@/testing/ga_sequences.ts";
import {
  echoContent,
  EchoResponse,
  type EchoResponseOptions,
  estimateUsage,
  splitText,
  tone,
  TONE_MS,
} from "./responses.ts";

// deno-lint-ignore no-explicit-any
type Loose = Record<string, any>;

function options(overrides: Partial<EchoResponseOptions> = {}): EchoResponseOptions {
  const audio = Uint8Array.from({ length: 250 * BYTES_PER_MS }, (_, i) => i & 0xff);
  return {
    content: { audio, text: "(local echo of 0.3 s of your speech)" },
    modalities: ["audio"],
    format: { type: "audio/pcm", rate: 24000 },
    voice: "alloy",
    maxOutputTokens: "inf",
    metadata: null,
    conversationId: "conv_1",
    previousItemId: "item_user",
    input: { textChars: 400, audioMs: 250 },
    speedup: 1000,
    ...overrides,
  };
}

/** Runs a response and resolves with its events once `response.done` is out. */
function run(
  settings: EchoResponseOptions,
  act: (response: EchoResponse, events: Loose[]) => void = () => {},
): Promise<{ events: Loose[]; response: EchoResponse; firstAudio: number }> {
  const events: Loose[] = [];
  let firstAudio = 0;
  return new Promise((resolve) => {
    const response: EchoResponse = new EchoResponse(settings, {
      send: (event: ServerEvent) => {
        events.push(event);
        act(response, events);
      },
      encode: (pcm) => pcm,
      firstAudio: () => firstAudio++,
      done: () => resolve({ events, response, firstAudio }),
    });
    response.start();
  });
}

Deno.test("splitText() cuts at word boundaries and loses nothing", () => {
  deepEqual(splitText("a b c d", 2), ["a b ", "c d"]);
  deepEqual(splitText("one", 3), ["one", "", ""]);
  deepEqual(splitText("", 2), ["", ""]);
  const text = "(local echo of 1.8 s of your speech)";
  for (let n = 1; n < 12; n++) equal(splitText(text, n).join(""), text);
});

Deno.test("echoContent() echoes the user's audio or plays a tone, and says which", () => {
  const audio = new Uint8Array(1800 * BYTES_PER_MS);
  deepEqual(echoContent(audio, "audio"), { audio, text: "(local echo of 1.8 s of your speech)" });
  const none = echoContent(null, "audio");
  equal(none.audio.length, TONE_MS * BYTES_PER_MS);
  match(none.text, /no speech to echo/);
  const text = echoContent(audio, "text");
  equal(text.audio.length, 0);
  match(text.text, /1\.8 s of speech/);
});

Deno.test("tone() is quiet and fades in from silence", () => {
  const samples = new Int16Array(tone(100).buffer);
  equal(samples.length, 2400);
  equal(samples[0], 0);
  ok(Math.max(...samples) <= 3277 && Math.max(...samples) > 3000);
});

Deno.test("estimateUsage() adds up its parts", () => {
  const usage = estimateUsage({ textChars: 400, audioMs: 2000 }, { textChars: 40, audioMs: 1000 });
  equal(usage.input_token_details.text_tokens, 100);
  equal(usage.input_token_details.audio_tokens, 20);
  equal(usage.output_token_details.audio_tokens, 20);
  equal(usage.output_tokens, 30);
  equal(usage.total_tokens, 150);
});

Deno.test("EchoResponse sends steps 7–16 and all the audio in 100 ms chunks", async () => {
  const settings = options();
  const { events, response, firstAudio } = await run(settings);
  deepEqual(shape(events), AUDIO_RESPONSE);
  // Each tick sends its words, then its audio.
  deepEqual(
    events.slice(4, 10).map((e) => e.type),
    Array(3).fill(["response.output_audio_transcript.delta", "response.output_audio.delta"]).flat(),
  );
  equal(firstAudio, 1);
  const deltas = events.filter((e) => e.type === "response.output_audio.delta");
  deepEqual(deltas.map((e) => decodeBase64(e.delta).length), [4800, 4800, 2400]);
  deepEqual(response.sentAudio, settings.content.audio);
  equal(events.at(-1)!.response.status, "completed");
  equal(events.at(-1)!.response.status_details, null);
  equal(events[2].previous_item_id, "item_user");
  equal(response.item.status, "completed");
  for (const event of events) match(event.event_id, /^event_/);
});

Deno.test("EchoResponse.cancel() stops the deltas at once", async () => {
  let cancelled = false;
  const { events, response } = await run(options({ speedup: 1 }), (r, sent) => {
    if (!cancelled && sent.at(-1)!.type === "response.output_audio.delta") {
      cancelled = true;
      r.cancel("turn_detected");
    }
  });
  const done = events.at(-1)!;
  deepEqual(done.response.status_details, { type: "cancelled", reason: "turn_detected" });
  equal(events.filter((e) => e.type === "response.output_audio.delta").length, 1);
  equal(response.sentAudio.length, 4800);
  equal(response.item.status, "incomplete");
  equal(response.active, false);
  await new Promise((resolve) => setTimeout(resolve, 150));
  equal(events.at(-1), done);
});

Deno.test("EchoResponse out of band sends no conversation events", async () => {
  const { events } = await run(options({ conversationId: null, previousItemId: null }));
  equal(events.some((e) => e.type.startsWith("conversation.")), false);
  equal(events[0].response.conversation_id, null);
});

Deno.test("EchoResponse in text mode streams output_text", async () => {
  const { events } = await run(
    options({ modalities: ["text"], content: { audio: new Uint8Array(0), text: "a b c" } }),
  );
  equal(events.filter((e) => e.type === "response.output_text.delta").length, 3);
  equal(events.find((e) => e.type === "response.output_text.done")!.text, "a b c");
  deepEqual(events.at(-1)!.response.output[0].content, [{ type: "output_text", text: "a b c" }]);
});

Deno.test("EchoResponse stops as incomplete at max_output_tokens", async () => {
  const { events } = await run(options({ maxOutputTokens: 12 }));
  const done = events.at(-1)!;
  equal(done.response.status, "incomplete");
  deepEqual(done.response.status_details, { type: "incomplete", reason: "max_output_tokens" });
  ok(done.response.usage.output_tokens <= 12);
});

Deno.test("EchoResponse.dispose() sends nothing more", async () => {
  const sent: unknown[] = [];
  const response = new EchoResponse(options({ speedup: 1 }), {
    send: (event) => sent.push(event),
    encode: (pcm) => pcm,
    firstAudio: () => {},
    done: () => sent.push("done"),
  });
  response.start();
  const count = sent.length;
  response.dispose();
  await new Promise((resolve) => setTimeout(resolve, 120));
  equal(sent.length, count);
  throws(() => new EchoResponse(options({ speedup: 0 }), {} as never), RangeError);
});

Deno.test("EchoResponse with audio still being synthesized opens at once, then streams it; a cancel meanwhile ends it without audio", async () => {
  const audio = Promise.withResolvers<Uint8Array>();
  const text = "About 150 words a minute.";
  let opened: Loose[] = [];
  const pending = run(options({ content: { audio: audio.promise, text } }), (_, events) => {
    if (events.at(-1)!.type === "response.content_part.added") opened = [...events];
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  deepEqual(shape(opened), AUDIO_RESPONSE.slice(0, 4), "opened before the audio is there");
  audio.resolve(Uint8Array.from({ length: 250 * BYTES_PER_MS }, (_, i) => i & 0xff));
  const { events, response } = await pending;
  deepEqual(shape(events), AUDIO_RESPONSE);
  equal(response.sentAudio.length, 250 * BYTES_PER_MS);
  equal(events.find((e) => e.type === "response.output_audio_transcript.done")!.transcript, text);

  const late = Promise.withResolvers<Uint8Array>();
  const cancelled = run(options({ content: { audio: late.promise, text } }), (r, sent) => {
    if (sent.at(-1)!.type === "response.content_part.added") r.cancel("client_cancelled");
  });
  const result = await cancelled;
  late.resolve(new Uint8Array(4800));
  await new Promise((resolve) => setTimeout(resolve, 20));
  equal(result.events.at(-1)!.response.status, "cancelled");
  equal(result.events.filter((e) => e.type.endsWith(".delta")).length, 0);
  equal(result.response.sentAudio.length, 0);
});
