import { deepEqual, equal } from "node:assert/strict";
import { QuietTracker } from "./rollover_quiet.ts";

Deno.test("QuietTracker: a response or the user's speech is not quiet; their ends are", () => {
  const quiet = new QuietTracker();
  equal(quiet.quiet, true);
  equal(quiet.observe({ type: "session.created", session: { expires_at: 1000 } }), true);
  equal(quiet.expiresAtMs, 1_000_000);
  quiet.observe({ type: "input_audio_buffer.speech_started" });
  equal(quiet.quiet, false);
  equal(quiet.observe({ type: "input_audio_buffer.committed" }), true);
  equal(quiet.quiet, true);
  quiet.observe({ type: "response.created" });
  equal(quiet.quiet, false);
  equal(quiet.observe({ type: "response.done" }), true);
  equal(quiet.quiet, true);
});

Deno.test("QuietTracker: without server VAD, audio appended since the last commit is not quiet", () => {
  const quiet = new QuietTracker();
  quiet.appended();
  equal(quiet.quiet, true, "under server VAD the buffer holds silence");
  quiet.observe({
    type: "session.updated",
    session: { audio: { input: { turn_detection: null } } },
  });
  equal(quiet.quiet, false);
  quiet.observe({ type: "input_audio_buffer.cleared" });
  equal(quiet.quiet, true);
});

Deno.test("QuietTracker: keeps the responses created and not yet done, by id", () => {
  const quiet = new QuietTracker();
  const first = { object: "realtime.response", id: "resp_1", status: "in_progress" };
  const second = { object: "realtime.response", id: "resp_2", status: "in_progress" };
  quiet.observe({ type: "response.created", response: first });
  quiet.observe({ type: "response.created", response: second });
  deepEqual(quiet.responsesInProgress, [first, second]);
  quiet.observe({ type: "response.done", response: { ...first, status: "completed" } });
  deepEqual(quiet.responsesInProgress, [second]);
  equal(quiet.quiet, false);
  quiet.observe({ type: "response.done", response: { ...second, status: "cancelled" } });
  deepEqual(quiet.responsesInProgress, []);
  equal(quiet.quiet, true);
});
