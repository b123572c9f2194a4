import { equal, notEqual, ok, rejects, throws } from "node:assert/strict";
import { coachVoiceHolders, coachVoiceRunning, holdCoachVoice } from "./voice.ts";

Deno.test("holdCoachVoice() shares one synth between holds, starts nothing by itself, and closes it with the last hold", async () => {
  const server = holdCoachVoice();
  const session = holdCoachVoice();
  equal(coachVoiceHolders(), 2);
  const synth = server.synth;
  equal(session.synth, synth, "one synth for the process");
  equal(coachVoiceRunning(), false, "no worker until something is spoken");
  const pcm = await session.synth.synthesize("Hello.");
  ok(pcm.length > 0);
  ok(coachVoiceRunning());
  session.release();
  session.release(); // idempotent
  equal(coachVoiceHolders(), 1);
  ok(coachVoiceRunning(), "the server's hold keeps the worker warm");
  throws(() => session.synth, /this hold was released; take a new one/);
  server.release();
  equal(coachVoiceHolders(), 0);
  equal(coachVoiceRunning(), false);
  await rejects(synth.synthesize("Again."), /the synth is closed/);
  using later = holdCoachVoice();
  notEqual(later.synth, synth, "a later hold gets a fresh synth");
});
