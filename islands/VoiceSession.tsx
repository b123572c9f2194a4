/**
 * The voice island: one power button, the session state, and (as the voice issue lands)
 * capture, playback, transcript and diagnostics.
 *
 * @module
 */
import { useState } from "preact/hooks";
import { defineIsland } from "@/framework/island.tsx";
import { useHydrated } from "@/framework/use_hydrated.ts";

export type VoiceState =
  | "off"
  | "connecting"
  | "listening"
  | "user-speaking"
  | "assistant-speaking"
  | "reconnecting"
  | "error";

export interface VoiceSessionProps extends Record<string, unknown> {
  /** Which upstream the server relays to (`local`, `openai`, `azure`), shown to the user. */
  upstream: string;
}

function VoiceSession({ upstream }: VoiceSessionProps) {
  const hydrated = useHydrated();
  const [state, setState] = useState<VoiceState>("off");
  const on = state !== "off";
  return (
    <section class="voice" data-voice-state={state} aria-label="Voice session">
      <button
        type="button"
        class="power"
        data-testid="power"
        aria-pressed={on}
        disabled={!hydrated}
        onClick={() => setState(on ? "off" : "listening")}
      >
        <span class="power-label">{on ? "Stop" : "Start talking"}</span>
      </button>
      <p class="status" aria-live="polite">
        {on ? "Listening…" : "Off"} <span class="upstream">({upstream})</span>
      </p>
      <ol class="transcript" data-testid="transcript" aria-live="polite"></ol>
    </section>
  );
}

export default defineIsland("VoiceSession", VoiceSession);
