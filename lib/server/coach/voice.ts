/**
 * The local coach's one voice per process: a single {@linkcode SpeechSynth} shared by every
 * emulated session, so its worker (about 0.4 s to start, ~100 MB resident) is paid once.
 *
 * ```ts
 * using voice = holdCoachVoice();      // a server, or a session that speaks
 * const pcm = await voice.synth.synthesize("About 150 words a minute.");
 * ```
 *
 * Whoever may speak holds the voice: the server from start to shutdown, each emulated session
 * from its first spoken reply to its end. The synth is created on the first `synth` read and
 * its worker starts on the first request (or `warm()`), so a holder that never speaks costs
 * nothing. When the last hold is released the synth is closed (its worker stopped); a later
 * hold gets a fresh one. A server that holds the voice therefore keeps one warm worker for
 * all its sessions, and a bare emulator (tests) stops it with its last session.
 *
 * @module
 */

import { MAX_REPLY_CHARS } from "./local_coach.ts";
import { SpeechSynth } from "./speech.ts";

/** One hold on the shared voice; release it (or `using`) when done. */
export interface CoachVoiceHold extends Disposable {
  /** The shared synth, created on first read. @throws {Error} once released. */
  readonly synth: SpeechSynth;
  /** Gives the hold back; the last one closes the synth. Idempotent. */
  release(): void;
}

let shared: SpeechSynth | null = null;
let holders = 0;

/** Takes a hold on the process's shared voice. */
export function holdCoachVoice(): CoachVoiceHold {
  holders++;
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    holders--;
    if (holders === 0) {
      shared?.close();
      shared = null;
    }
  };
  return {
    get synth(): SpeechSynth {
      if (!held) {
        throw new Error(
          "Cannot use the coach's voice: this hold was released; take a new one with " +
            "holdCoachVoice()",
        );
      }
      shared ??= new SpeechSynth({ maxChars: MAX_REPLY_CHARS });
      return shared;
    },
    release,
    [Symbol.dispose]: release,
  };
}

/** How many holds are out (for tests and health checks). */
export function coachVoiceHolders(): number {
  return holders;
}

/** Whether the shared synth's worker runs now. */
export function coachVoiceRunning(): boolean {
  return shared?.running ?? false;
}
