import { deepEqual, equal, match, ok } from "node:assert/strict";
import { MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import { NO_SPEECH, TYPED_TURN } from "./feedback.ts";
import {
  coachWords,
  MAX_REPLY_CHARS,
  measureTurn,
  speakWords,
  TYPED_ECHO_PREFIX,
  typedEcho,
} from "./local_coach.ts";
import { SpeechSynth } from "./speech.ts";

Deno.test("coachWords() answers each kind of turn in each mode", () => {
  const quiet = { type: "audio" as const, pcm: new Uint8Array(48_000) };
  const typed = { type: "text" as const, text: "  Hello there  " };
  equal(coachWords("echo", quiet), null, "the echo plays audio back as it is");
  equal(coachWords("echo", null), null);
  equal(coachWords("echo", typed), `${TYPED_ECHO_PREFIX}Hello there`);
  equal(coachWords("delivery", typed), TYPED_TURN);
  equal(coachWords("delivery", null), NO_SPEECH);
  equal(coachWords("delivery", quiet), NO_SPEECH);
});

Deno.test("coachWords() leads with the pace measured from the turn's own audio", async () => {
  using synth = new SpeechSynth();
  const text = "The quick brown fox jumps over the lazy dog, then it rests in the shade.";
  const pcm = await speakWords(synth, text, {});
  const bytes = new Uint8Array(pcm.length + 1);
  bytes.set(pcm, 1); // an odd offset, as a slice of a turn may have
  const turn = bytes.subarray(1);
  const words = coachWords("delivery", { type: "audio", pcm: turn })!;
  match(words, /^About \d+ words a minute — /);
  ok(measureTurn(turn).speechSeconds > 2);
});

Deno.test("typedEcho() reads text back whole up to the cap, and cuts beyond it", () => {
  const full = "a".repeat(MAX_TYPED_TEXT_CHARS);
  equal(typedEcho(full), TYPED_ECHO_PREFIX + full);
  ok(typedEcho(full).length <= MAX_REPLY_CHARS);
  const over = typedEcho("b".repeat(MAX_TYPED_TEXT_CHARS + 50));
  ok(over.endsWith("b…"));
  ok(over.length <= MAX_REPLY_CHARS);
});

Deno.test("speakWords() resolves to no audio on a failure (reported) or an abort (silent)", async () => {
  const errors: string[] = [];
  const closed = new SpeechSynth();
  closed.close();
  deepEqual(
    await speakWords(closed, "Hi.", { onError: (e) => errors.push(e.message) }),
    new Uint8Array(0),
  );
  match(errors[0], /the synth is closed/);
  using synth = new SpeechSynth();
  const aborter = new AbortController();
  const spoken = speakWords(synth, "Never mind.", {
    signal: aborter.signal,
    onError: (e) => errors.push(e.message),
  });
  aborter.abort();
  equal((await spoken).length, 0);
  equal(errors.length, 1, "an abort is not an error");
  const pcm = await speakWords(synth, "Fine.", {});
  ok(pcm.length > 0 && pcm.length % 2 === 0);
});
