import { deepEqual, equal, ok } from "node:assert/strict";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { type Admission, type AdmissionOptions, admitBrowserMessage } from "./relay_admission.ts";
import { RELAY_ERROR } from "./relay_errors.ts";
import { SessionLimits } from "./relay_policy.ts";

/** Limits that admit everything (no rates). */
function unlimited(): SessionLimits {
  return new SessionLimits({ audioSpeed: null, eventRate: null });
}

function options(overrides: Partial<AdmissionOptions> = {}): AdmissionOptions {
  return { maxEventBytes: 4096, limits: unlimited(), decodeAudio: false, ...overrides };
}

function admit(data: string | ArrayBuffer, overrides: Partial<AdmissionOptions> = {}): Admission {
  return admitBrowserMessage(data, options(overrides));
}

/** The refusal's error fields, or a failure naming what came instead. */
function refusal(admission: Admission) {
  ok(admission.type === "refuse", `expected a refusal, got ${JSON.stringify(admission)}`);
  equal(admission.error.type, "error");
  return admission.error.error;
}

const pcm = (bytes: number) => Uint8Array.from({ length: bytes }, (_, i) => i % 251);

Deno.test("admitBrowserMessage() wraps an even binary frame into an append and keeps its audio", () => {
  const audio = pcm(960);
  const admission = admit(audio.slice().buffer);
  ok(admission.type === "forward");
  equal(admission.append, true);
  deepEqual(admission.audio, audio);
  deepEqual(JSON.parse(admission.text), {
    type: "input_audio_buffer.append",
    audio: encodeBase64(audio),
  });
});

Deno.test("admitBrowserMessage() refuses empty and odd binary frames with invalid_value on audio", () => {
  for (const bytes of [0, 1, 959]) {
    const error = refusal(admit(pcm(bytes).buffer));
    equal(error.code, "invalid_value", String(bytes));
    equal(error.param, "audio");
    ok(error.message.startsWith(`Cannot forward a binary frame of ${bytes} bytes`));
  }
});

Deno.test("admitBrowserMessage() refuses messages over maxEventBytes, counting UTF-8 bytes", () => {
  equal(refusal(admit(pcm(1000).buffer, { maxEventBytes: 998 })).code, RELAY_ERROR.tooLarge);
  // 300 two-byte characters: 600 bytes of UTF-8 in 300 UTF-16 units.
  const text = JSON.stringify({ type: "input_audio_buffer.clear", event_id: "é".repeat(300) });
  const size = new TextEncoder().encode(text).length;
  const error = refusal(admit(text, { maxEventBytes: size - 1 }));
  equal(error.code, RELAY_ERROR.tooLarge);
  ok(error.message.includes(`${size} bytes`), error.message);
  equal(admit(text, { maxEventBytes: size }).type, "forward");
});

Deno.test("admitBrowserMessage() answers invalid GA with the shared validator's error", () => {
  const error = refusal(admit('{"type":"input_audio_buffer.commit","bogus":1}'));
  equal(error.code, "unknown_parameter");
  equal(refusal(admit("not json")).code, "invalid_json");
});

Deno.test("admitBrowserMessage() refuses what the allow-list refuses, with the event's id", () => {
  const text = JSON.stringify({
    type: "response.create",
    event_id: "e7",
    response: { instructions: "be someone else" },
  });
  const error = refusal(admit(text));
  equal(error.code, RELAY_ERROR.notAllowed);
  equal(error.param, "response.instructions");
  equal(error.event_id, "e7");
});

Deno.test("admitBrowserMessage() forwards an append as received and decodes it only when asked", () => {
  const audio = pcm(480);
  const text = `{"type":"input_audio_buffer.append","audio":"${encodeBase64(audio)}"}`;
  const checked = admit(text);
  deepEqual(checked, { type: "forward", text, append: true, audio: null });
  const decoded = admit(text, { decodeAudio: true });
  ok(decoded.type === "forward");
  equal(decoded.text, text);
  deepEqual(decoded.audio, audio);
});

Deno.test("admitBrowserMessage() re-serializes other events, so a duplicated key is sent as checked", () => {
  const text = '{"type":"input_audio_buffer.clear","event_id":"a","event_id":"b"}';
  const admission = admit(text);
  ok(admission.type === "forward");
  equal(admission.append, false);
  equal(admission.text, '{"type":"input_audio_buffer.clear","event_id":"b"}');
});

Deno.test("admitBrowserMessage() holds audio to its rate and other events to theirs", () => {
  let now = 0;
  const limits = new SessionLimits({
    audioSpeed: 1,
    eventRate: { count: 2, windowMs: 1000, burst: 2 },
    now: () => now,
  });
  // Five seconds of burst: 250 frames of 20 ms pass at once, the next one does not.
  const frame = pcm(960).buffer;
  for (let i = 0; i < 250; i++) equal(admit(frame, { limits }).type, "forward", String(i));
  deepEqual(admit(frame, { limits }), { type: "rate_limited", kind: "audio", eventId: null });
  const clear = '{"type":"input_audio_buffer.clear","event_id":"c1"}';
  equal(admit(clear, { limits }).type, "forward");
  equal(admit(clear, { limits }).type, "forward");
  deepEqual(admit(clear, { limits }), { type: "rate_limited", kind: "event", eventId: "c1" });
  // An invalid event costs an error reply, so it counts against the event rate too.
  deepEqual(admit("{}", { limits }), { type: "rate_limited", kind: "event", eventId: null });
  now += 1000;
  equal(admit(clear, { limits }).type, "forward");
  equal(admit(frame, { limits }).type, "forward");
});
