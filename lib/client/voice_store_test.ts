import { deepEqual, equal, notEqual } from "node:assert/strict";
import { effect } from "@preact/signals";
import { initialAccess } from "./access.ts";
import { sameDiagnostics } from "./diagnostics.ts";
import { Transcript } from "./transcript.ts";
import {
  createVoiceStore,
  publish,
  publishTranscript,
  sameControls,
  sameTranscript,
} from "./voice_store.ts";

/** Counts how often `read` sees a new value (the first run included). */
function watch(read: () => unknown): { runs: number; stop(): void } {
  const counter = { runs: 0, stop: () => {} };
  counter.stop = effect(() => {
    read();
    counter.runs++;
  });
  return counter;
}

Deno.test("publish() notifies only when the value differs", () => {
  const store = createVoiceStore();
  const state = watch(() => store.state.value);
  publish(store.state, "off");
  publish(store.state, "connecting");
  publish(store.state, "connecting");
  equal(state.runs, 2);
  const controls = watch(() => store.controls.value);
  publish(
    store.controls,
    { pushToTalk: false, talking: false, rawInput: false, muted: false },
    sameControls,
  );
  equal(controls.runs, 1, "an equal object is not a change");
  publish(
    store.controls,
    { pushToTalk: true, talking: false, rawInput: false, muted: false },
    sameControls,
  );
  equal(controls.runs, 2);
  state.stop();
  controls.stop();
});

Deno.test("publishTranscript() publishes copies, and only when a turn changed", () => {
  const store = createVoiceStore();
  const transcript = new Transcript();
  const seen = watch(() => store.transcript.value);
  transcript.add("u1", "user", null);
  publishTranscript(store.transcript, transcript.entries);
  publishTranscript(store.transcript, transcript.entries);
  equal(seen.runs, 2);
  const shown = store.transcript.value;
  transcript.append("u1", "user", "Hello");
  equal(shown[0].text, "", "what is shown is a copy");
  publishTranscript(store.transcript, transcript.entries);
  transcript.finish("u1", "user", "Hello");
  publishTranscript(store.transcript, transcript.entries);
  equal(seen.runs, 4, "a text change and a status change");
  deepEqual(store.transcript.value, [
    { itemId: "u1", role: "user", text: "Hello", status: "done" },
  ]);
  transcript.clear();
  publishTranscript(store.transcript, transcript.entries);
  equal(seen.runs, 5);
  seen.stop();
});

Deno.test("sameTranscript() compares turns by id, role, text and status", () => {
  const a = [{ itemId: "1", role: "user" as const, text: "hi", status: "done" as const }];
  equal(sameTranscript(a, [{ ...a[0] }]), true);
  equal(sameTranscript(a, []), false);
  equal(sameTranscript(a, [{ ...a[0], status: "truncated" }]), false);
  equal(sameTranscript(a, [{ ...a[0], itemId: "2" }]), false);
});

Deno.test("the store's checks follow its diagnostics", () => {
  const store = createVoiceStore();
  const first = store.checks.value;
  equal(first.find((c) => c.type === "no-drops")?.ok, null);
  publish(
    store.diagnostics,
    { ...store.diagnostics.value, framesCaptured: 10, framesDropped: 2 },
    sameDiagnostics,
  );
  notEqual(store.checks.value, first);
  equal(store.checks.value.find((c) => c.type === "no-drops")?.ok, false);
});

Deno.test("createVoiceStore() starts with the access form asked for, and no usage", () => {
  const open = createVoiceStore();
  deepEqual(open.access.value, { needed: false, checking: false, problem: null });
  equal(open.usage.value, null);
  const closed = createVoiceStore({ access: initialAccess(true, false) });
  deepEqual(closed.access.value, { needed: true, checking: false, problem: null });
});

Deno.test("createVoiceStore() starts sending nothing, with no latency, conversation or mute", () => {
  const store = createVoiceStore();
  equal(store.micSending.value, false);
  deepEqual(store.latency.value, { last: null, medianAudibleMs: null, turns: 0 });
  equal(store.conversationId.value, null);
  equal(store.controls.value.muted, false);
  const controls = store.controls.value;
  equal(sameControls(controls, { ...controls, muted: true }), false);
});
