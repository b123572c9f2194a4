import { deepEqual, equal, match, ok } from "node:assert/strict";
import { parseClientEvent } from "@/lib/shared/realtime/mod.ts";
import { loadConfig } from "./config.ts";
import {
  ALLOWED_EVENTS,
  base64AudioBytes,
  checkClientEvent,
  coachSessionUpdate,
  SessionLimits,
} from "./relay_policy.ts";
import { MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import {
  REFUSED_ITEMS,
  REFUSED_TYPES,
  RESPONSE_FIELDS,
  SESSION_FIELDS,
  typedItem,
} from "@/testing/policy_cases.ts";

/** Parses like the relay, then asks the policy. */
function decide(event: Record<string, unknown>) {
  const parsed = parseClientEvent(JSON.stringify(event));
  ok(parsed.ok, `the fixture must be valid GA: ${JSON.stringify(parsed)}`);
  return checkClientEvent(parsed.event);
}

Deno.test("checkClientEvent() refuses every GA field of response.create's response, naming it", () => {
  for (const [field, value] of Object.entries(RESPONSE_FIELDS)) {
    const refusal = decide({ type: "response.create", response: { [field]: value } });
    equal(refusal?.param, `response.${field}`, field);
    match(refusal!.message, /response\.create/);
  }
  equal(decide({ type: "response.create" }), null);
  equal(decide({ type: "response.create", response: {}, event_id: "e1" }), null);
});

Deno.test("checkClientEvent() refuses event types the relay does not forward, with param type", () => {
  for (const [type, fields] of Object.entries(REFUSED_TYPES)) {
    const refusal = decide({ type, ...fields });
    equal(refusal?.param, "type", type);
    match(refusal!.message, new RegExp(`'${type.replaceAll(".", "\\.")}'`));
  }
});

Deno.test("checkClientEvent() lets session.update change only turn detection", () => {
  for (const [field, value] of Object.entries(SESSION_FIELDS)) {
    const refusal = decide({
      type: "session.update",
      session: { type: "realtime", [field]: value },
    });
    equal(refusal?.param, `session.${field}`, field);
  }
  const voice = decide({
    type: "session.update",
    session: { type: "realtime", audio: { output: { voice: "alloy" } } },
  });
  equal(voice?.param, "session.audio.output");
  const transcription = decide({
    type: "session.update",
    session: { type: "realtime", audio: { input: { transcription: { model: "whisper-1" } } } },
  });
  equal(transcription?.param, "session.audio.input.transcription");
  equal(
    decide({
      type: "session.update",
      session: { type: "realtime", audio: { input: { turn_detection: null } } },
    }),
    null,
  );
});

Deno.test("checkClientEvent() passes what the page sends", () => {
  const page = [
    { type: "input_audio_buffer.append", audio: "AAAAAA==", event_id: "a1" },
    { type: "input_audio_buffer.commit" },
    { type: "input_audio_buffer.clear" },
    { type: "response.create" },
    { type: "response.cancel" },
    { type: "response.cancel", response_id: "resp_1" },
    { type: "conversation.item.truncate", item_id: "item_1", content_index: 0, audio_end_ms: 900 },
    { type: "conversation.item.create", item: typedItem("How do I sound?") },
    {
      type: "conversation.item.create",
      event_id: "t1",
      item: typedItem("x".repeat(MAX_TYPED_TEXT_CHARS)),
    },
  ];
  for (const event of page) equal(decide(event), null, event.type);
  deepEqual(
    [...ALLOWED_EVENTS].sort(),
    [
      "conversation.item.create",
      "conversation.item.truncate",
      "input_audio_buffer.append",
      "input_audio_buffer.clear",
      "input_audio_buffer.commit",
      "response.cancel",
      "response.create",
      "session.update",
    ],
  );
});

Deno.test("checkClientEvent() lets through only a typed user message, naming the field it refuses", () => {
  for (const [name, { fields, param }] of Object.entries(REFUSED_ITEMS)) {
    const refusal = decide({ type: "conversation.item.create", ...fields });
    equal(refusal?.param, param, name);
    match(
      refusal!.message,
      /^Cannot forward 'conversation\.item\.create' with '.+': .+/,
    );
  }
  const long = decide({
    type: "conversation.item.create",
    item: typedItem("x".repeat(MAX_TYPED_TEXT_CHARS + 1)),
  });
  match(long!.message, new RegExp(`${MAX_TYPED_TEXT_CHARS + 1} characters, more than`));
  // Shapes the parser would not pass, checked as they are (defence in depth).
  const item = typedItem("hi");
  equal(
    checkClientEvent({ type: "conversation.item.create", item: "hi" })?.param,
    "item",
  );
  equal(
    checkClientEvent({ type: "conversation.item.create", item: { ...item, content: [7] } })
      ?.param,
    "item.content[0]",
  );
  equal(
    checkClientEvent({
      type: "conversation.item.create",
      item: { ...item, content: [{ type: "input_text", text: "a", extra: 1 }] },
    })?.param,
    "item.content[0].extra",
  );
  equal(
    checkClientEvent({
      type: "conversation.item.create",
      item: { ...item, content: [{ type: "input_text", text: 5 }] },
    })?.param,
    "item.content[0].text",
  );
});

Deno.test("checkClientEvent() refuses a field outside the list even when the parser would not", () => {
  // Defence in depth: a future parser that learns a field must not open the relay.
  const refusal = checkClientEvent({ type: "input_audio_buffer.commit", item_id: "x" });
  equal(refusal?.param, "item_id");
  equal(checkClientEvent({ type: "response.create", response: "x" })?.param, "response");
  equal(checkClientEvent({ type: "response.create", response: [] })?.param, "response");
});

Deno.test("coachSessionUpdate() is the server's GA session with the configured persona", () => {
  const update = JSON.parse(
    coachSessionUpdate(loadConfig({ COACH_VOICE: "cedar", COACH_INSTRUCTIONS: "Be kind." })),
  );
  equal(update.type, "session.update");
  equal(update.session.instructions, "Be kind.");
  equal(update.session.audio.output.voice, "cedar");
  deepEqual(update.session.audio.input.format, { type: "audio/pcm", rate: 24000 });
});

Deno.test("SessionLimits allows a 5 s burst of audio, then twice real time", () => {
  const clock = { t: 0 };
  const limits = new SessionLimits({ audioSpeed: 2, eventRate: null, now: () => clock.t });
  let ms = 0;
  while (limits.admitAudio(960)) ms += 20;
  equal(ms, 5000);
  // Over the next 5 s, 10 s of audio fits and not a frame more.
  let later = 0;
  for (clock.t = 0; clock.t <= 5000; clock.t += 20) {
    while (limits.admitAudio(960)) later += 20;
  }
  equal(later, 10_000);
});

Deno.test("SessionLimits: real-time audio is never refused", () => {
  const clock = { t: 0 };
  const limits = new SessionLimits({ audioSpeed: 2, eventRate: null, now: () => clock.t });
  for (let i = 0; i < 30_000; i++) {
    clock.t = i * 20;
    ok(limits.admitAudio(960), `frame ${i}`);
  }
});

Deno.test("SessionLimits caps other events at the configured rate, and reports once a second", () => {
  const clock = { t: 0 };
  const limits = new SessionLimits({
    audioSpeed: null,
    eventRate: { count: 20, windowMs: 1000, burst: 20 },
    now: () => clock.t,
  });
  let admitted = 0;
  for (let i = 0; i < 10_000; i++) if (limits.admitEvent()) admitted++;
  equal(admitted, 20);
  equal(limits.shouldReport(), true);
  equal(limits.shouldReport(), false);
  clock.t = 999;
  equal(limits.shouldReport(), false);
  clock.t = 1000;
  equal(limits.shouldReport(), true);
  equal(limits.admitEvent(), true);
  // `off` is no limit at all.
  const open = new SessionLimits({ audioSpeed: null, eventRate: null });
  for (let i = 0; i < 1000; i++) ok(open.admitEvent() && open.admitAudio(1 << 20));
});

Deno.test("base64AudioBytes() counts decoded bytes without decoding", () => {
  for (const n of [0, 1, 2, 3, 4, 959, 960, 961]) {
    const bytes = new Uint8Array(n);
    const text = (bytes as Uint8Array & { toBase64(): string }).toBase64();
    equal(base64AudioBytes(text), n, `${n} bytes`);
  }
});
