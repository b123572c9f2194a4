import { deepEqual, equal, ok, throws } from "node:assert/strict";
import type { RealtimeSession, SessionUpdate } from "./session.ts";
import {
  DEFAULT_INSTRUCTIONS,
  defaultSession,
  defaultTranscriptionSession,
} from "./session_defaults.ts";
import { mergeSessionUpdate, validateSessionUpdate } from "./session_update.ts";

function update(session: unknown, current?: RealtimeSession, voiceLocked = false): SessionUpdate {
  const result = validateSessionUpdate(session, current, { voiceLocked });
  if (!result.ok) throw new Error(`Expected a valid update, got ${JSON.stringify(result.problem)}`);
  return result.update;
}

Deno.test("validateSessionUpdate() reports problems without throwing", () => {
  const result = validateSessionUpdate({ instructions: "x" });
  deepEqual(result, {
    ok: false,
    problem: {
      code: "missing_required_parameter",
      message: "Missing required parameter: 'session.type'.",
      param: "session.type",
    },
  });
  deepEqual(validateSessionUpdate(42), {
    ok: false,
    problem: {
      code: "invalid_type",
      message: "Invalid type for 'session': expected an object, but got an integer instead.",
      param: "session",
    },
  });
});

Deno.test("validateSessionUpdate() refuses a transcription update on a realtime session", () => {
  const result = validateSessionUpdate({ type: "transcription" }, defaultSession());
  deepEqual(result, {
    ok: false,
    problem: {
      code: "invalid_parameter",
      message: "Passing a transcription session update event to a realtime session is not allowed.",
      param: "session.type",
    },
  });
  const reverse = validateSessionUpdate({ type: "realtime" }, defaultTranscriptionSession());
  ok(!reverse.ok && reverse.problem.code === "invalid_parameter");
});

Deno.test("validateSessionUpdate() refuses a model change but not a repeat of the model", () => {
  const current = defaultSession({ model: "gpt-realtime" });
  update({ type: "realtime", model: "gpt-realtime" }, current);
  const result = validateSessionUpdate({ type: "realtime", model: "gpt-realtime-mini" }, current);
  ok(!result.ok);
  equal(result.problem.param, "session.model");
});

Deno.test("validateSessionUpdate() locks the voice once assistant audio exists", () => {
  const current = defaultSession();
  const change = { type: "realtime", audio: { output: { voice: "marin" } } };
  update(change, current, false);
  update({ type: "realtime", audio: { output: { voice: "alloy" } } }, current, true);
  update({ type: "realtime", instructions: "x" }, current, true);
  deepEqual(validateSessionUpdate(change, current, { voiceLocked: true }), {
    ok: false,
    problem: {
      code: "cannot_update_voice",
      message: "Cannot update a conversation's voice if assistant audio is present.",
      param: "session.audio.output.voice",
    },
  });
});

Deno.test("mergeSessionUpdate() changes only the fields sent", () => {
  const current = defaultSession({ createdAt: 0 });
  const next = mergeSessionUpdate(
    current,
    update({ type: "realtime", instructions: "Coach me", audio: { output: { voice: "marin" } } }),
  );
  deepEqual(next, {
    ...current,
    instructions: "Coach me",
    audio: { ...current.audio, output: { ...current.audio.output, voice: "marin" } },
  });
  // The current session is left alone.
  equal(current.instructions, DEFAULT_INSTRUCTIONS);
  equal(current.audio.output.voice, "alloy");
});

Deno.test("mergeSessionUpdate() clears with null, empty string and empty array", () => {
  const withTools = mergeSessionUpdate(
    defaultSession(),
    update({
      type: "realtime",
      tools: [{ type: "function", name: "f" }],
      include: ["item.input_audio_transcription.logprobs"],
      audio: { input: { transcription: { model: "whisper-1" } } },
    }),
  );
  deepEqual(withTools.tools, [{ type: "function", name: "f" }]);
  deepEqual(withTools.audio.input.transcription, { model: "whisper-1" });
  const cleared = mergeSessionUpdate(
    withTools,
    update({
      type: "realtime",
      instructions: "",
      tools: [],
      include: null,
      audio: { input: { transcription: null, turn_detection: null } },
    }),
  );
  equal(cleared.instructions, "");
  deepEqual(cleared.tools, []);
  equal(cleared.include, null);
  equal(cleared.audio.input.transcription, null);
  equal(cleared.audio.input.turn_detection, null);
  deepEqual(cleared.audio.input.format, { type: "audio/pcm", rate: 24000 });
});

Deno.test("mergeSessionUpdate() takes a sent turn_detection whole, defaults filled in", () => {
  const tuned = mergeSessionUpdate(
    defaultSession(),
    update({
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", threshold: 0.8 } } },
    }),
  );
  deepEqual(tuned.audio.input.turn_detection, {
    type: "server_vad",
    threshold: 0.8,
    prefix_padding_ms: 300,
    silence_duration_ms: 200,
    idle_timeout_ms: null,
    create_response: true,
    interrupt_response: true,
  });
  const again = mergeSessionUpdate(
    tuned,
    update({
      type: "realtime",
      audio: { input: { turn_detection: { type: "server_vad", silence_duration_ms: 500 } } },
    }),
  );
  equal(again.audio.input.turn_detection?.type, "server_vad");
  ok(again.audio.input.turn_detection?.type === "server_vad");
  equal(again.audio.input.turn_detection.threshold, 0.5);
  equal(again.audio.input.turn_detection.silence_duration_ms, 500);
  const semantic = mergeSessionUpdate(
    tuned,
    update({ type: "realtime", audio: { input: { turn_detection: { type: "semantic_vad" } } } }),
  );
  deepEqual(semantic.audio.input.turn_detection, {
    type: "semantic_vad",
    eagerness: "auto",
    create_response: true,
    interrupt_response: true,
  });
});

Deno.test("mergeSessionUpdate() fills in formats and keeps the other output fields", () => {
  const next = mergeSessionUpdate(
    defaultSession(),
    update({
      type: "realtime",
      audio: { input: { format: { type: "audio/pcma" } }, output: { format: {}, speed: 1.2 } },
    }),
  );
  deepEqual(next.audio.input.format, { type: "audio/pcma" });
  deepEqual(next.audio.output, {
    format: { type: "audio/pcm", rate: 24000 },
    voice: "alloy",
    speed: 1.2,
  });
});

Deno.test("mergeSessionUpdate() updates a transcription session and refuses a mismatch", () => {
  const current = defaultTranscriptionSession();
  const next = mergeSessionUpdate(
    current,
    update({ type: "transcription", audio: { input: { noise_reduction: { type: "far_field" } } } }),
  );
  deepEqual(next.audio.input.noise_reduction, { type: "far_field" });
  equal(next.object, "realtime.transcription_session");
  throws(() => mergeSessionUpdate(current, update({ type: "realtime" })), TypeError);
});
