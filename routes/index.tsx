import type { Handlers, PageProps } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";
import VoiceSession from "@/islands/VoiceSession.tsx";

/** What the page knows about access codes, decided on the server. */
interface HomeData {
  /** Access codes are on. */
  accessRequired: boolean;
  /** This browser's access cookie is valid (always false when codes are off). */
  accessGranted: boolean;
}

export const handler: Handlers<AppState> = {
  async GET(ctx) {
    const accessRequired = ctx.state.config.accessCodes.length > 0;
    const accessGranted = accessRequired &&
      await ctx.state.access.verifyCookie(ctx.req.headers.get("cookie")) !== null;
    return ctx.render({ accessRequired, accessGranted } satisfies HomeData);
  },
};

export default function Home({ state, data }: PageProps<AppState>) {
  const access = (data ?? {}) as Partial<HomeData>;
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
        accessRequired={access.accessRequired ?? false}
        accessGranted={access.accessGranted ?? false}
      />
    </main>
  );
}
