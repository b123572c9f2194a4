import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import {
  DEFAULT_INSTRUCTIONS,
  defaultSession,
  defaultTranscriptionSession,
} from "./session_defaults.ts";

Deno.test("defaultSession() is the GA default session object", () => {
  const session = defaultSession({ createdAt: 1_700_000_000, model: "gpt-realtime-mini" });
  match(session.id, /^sess_[0-9A-Za-z]{21}$/);
  deepEqual(session, {
    type: "realtime",
    object: "realtime.session",
    id: session.id,
    model: "gpt-realtime-mini",
    output_modalities: ["audio"],
    instructions: DEFAULT_INSTRUCTIONS,
    tools: [],
    tool_choice: "auto",
    max_output_tokens: "inf",
    tracing: null,
    truncation: "auto",
    prompt: null,
    expires_at: 1_700_003_600,
    audio: {
      input: {
        format: { type: "audio/pcm", rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: {
          type: "server_vad",
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: 200,
          idle_timeout_ms: null,
          create_response: true,
          interrupt_response: true,
        },
      },
      output: { format: { type: "audio/pcm", rate: 24000 }, voice: "alloy", speed: 1.0 },
    },
    include: null,
  });
  ok(DEFAULT_INSTRUCTIONS.startsWith("Your knowledge cutoff is 2023-10."));
});

Deno.test("defaultSession() defaults the model, a fresh id and an expiry an hour from now", () => {
  const before = Math.floor(Date.now() / 1000);
  const a = defaultSession();
  const b = defaultSession({ id: "sess_fixed" });
  equal(a.model, "gpt-realtime");
  equal(b.id, "sess_fixed");
  notEqual(a.id, defaultSession().id);
  ok(a.expires_at >= before + 3600 && a.expires_at <= before + 3601);
  // Each session gets its own nested objects.
  a.audio.input.turn_detection = null;
  notEqual(b.audio.input.turn_detection, null);
});

Deno.test("defaultTranscriptionSession() has the same input block and no output", () => {
  const session = defaultTranscriptionSession({ createdAt: 100, id: "sess_t" });
  deepEqual(session, {
    type: "transcription",
    object: "realtime.transcription_session",
    id: "sess_t",
    expires_at: 3700,
    audio: { input: defaultSession().audio.input },
    include: null,
  });
});
