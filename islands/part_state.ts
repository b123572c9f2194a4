/**
 * What the island's parts ask of the store to decide whether a control can be used.
 *
 * @module
 */
import type { VoiceState } from "@/lib/client/voice_state.ts";
import type { VoiceStore } from "@/lib/client/voice_store.ts";

/** A session is under way (anything but off or failed). */
export function isRunning(state: VoiceState): boolean {
  return state !== "off" && state !== "error";
}

/** The controls may be used: the controller has loaded and the browser can run it. */
export function isReady(store: VoiceStore): boolean {
  return store.ready.value && store.notice.value?.type !== "unsupported";
}

/** Start may be pressed: ready, and no access code is awaited. */
export function canStart(store: VoiceStore): boolean {
  return isReady(store) && !store.access.value.needed;
}
