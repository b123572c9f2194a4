import { equal } from "node:assert/strict";
import { createVoiceStore } from "@/lib/client/voice_store.ts";
import { initialAccess } from "@/lib/client/access.ts";
import { canStart, isReady, isRunning } from "./part_state.ts";

Deno.test("isRunning() is false only when off or failed", () => {
  equal(isRunning("off"), false);
  equal(isRunning("error"), false);
  equal(isRunning("listening"), true);
  equal(isRunning("reconnecting"), true);
});

Deno.test("isReady() and canStart() wait for the controller, a supported browser and the code", () => {
  const store = createVoiceStore();
  equal(isReady(store), false, "the controller has not loaded");
  store.ready.value = true;
  equal(isReady(store), true);
  equal(canStart(store), true);
  store.access.value = initialAccess(true, false);
  equal(canStart(store), false, "an access code is awaited");
  store.notice.value = { type: "unsupported", missing: ["audio-worklet"] };
  equal(isReady(store), false);
});
