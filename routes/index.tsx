import type { PageProps } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";
import VoiceSession from "@/islands/VoiceSession.tsx";

export default function Home({ state }: PageProps<AppState>) {
  return (
    <main class="page">
      <header class="page-header">
        <h1>Voice Coach</h1>
        <p class="tagline">Press the button and talk. Interrupt whenever you like.</p>
      </header>
      <VoiceSession
        upstream={state.config.upstream}
        captureWorkletUrl={state.assets["capture_worklet.js"]}
        playbackWorkletUrl={state.assets["playback_worklet.js"]}
      />
    </main>
  );
}
