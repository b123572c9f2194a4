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

/** What the built-in coach of local mode does, by `LOCAL_COACH`. */
const LOCAL_COACH_DOES: Record<AppState["config"]["localCoach"], string> = {
  delivery: "measures your pace, pauses, loudness and pitch variety and tells you",
  echo: "plays back what you said, so you can hear how you sound",
};

/**
 * One line when the server runs the built-in coach: what it does, and how to reach the real
 * model. Nothing else about the server reaches the page (developer details are in Diagnostics).
 */
function LocalModeLine({ localCoach }: { localCoach: AppState["config"]["localCoach"] }) {
  return (
    <p class="local-mode" data-testid="local-mode">
      Local mode: the built-in coach {LOCAL_COACH_DOES[localCoach]}. Set <code>OPENAI_API_KEY</code>
      {" "}
      on the server to talk with the real model.
    </p>
  );
}

export default function Home({ state, data }: PageProps<AppState>) {
  const access = (data ?? {}) as Partial<HomeData>;
  const { upstream, localCoach } = state.config;
  return (
    <main class="page">
      <header class="page-header">
        <h1>Voice Coach</h1>
        <p class="tagline">Press the button and talk. Interrupt whenever you like.</p>
        {upstream === "local" && <LocalModeLine localCoach={localCoach} />}
      </header>
      <VoiceSession
        upstream={upstream}
        captureWorkletUrl={state.assets["capture_worklet.js"]}
        playbackWorkletUrl={state.assets["playback_worklet.js"]}
        accessRequired={access.accessRequired ?? false}
        accessGranted={access.accessGranted ?? false}
      />
    </main>
  );
}
