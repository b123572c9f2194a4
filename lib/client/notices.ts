/**
 * What the voice session has to tell the user, as typed causes: the controller raises a
 * {@linkcode Notice}, the island (islands/voice_words.ts) turns it into a sentence, steps and
 * a Retry button. No words here, only what happened and the facts the words need.
 *
 * {@linkcode NoticeBoard} holds the one notice shown at a time, hides short-lived ones after a
 * while, and publishes the current one to whoever watches (the page's store).
 *
 * @module
 */

/** A browser capability the voice coach cannot run without. */
export type Feature = "audio-context" | "audio-worklet" | "get-user-media" | "websocket";

/** Something the user should know or act on. */
export type Notice =
  /**
   * The browser lacks what the app needs; `insecure` when the page is not a secure context
   * (plain http to another machine), which is why the microphone and worklets are missing.
   */
  | { type: "unsupported"; missing: Feature[]; insecure?: boolean }
  /** Start failed because the server could not be reached (a network error). */
  | { type: "server-unreachable" }
  /** The microphone permission is denied. */
  | { type: "mic-blocked" }
  /** Start failed before the session began (microphone, worklet, audio context). */
  | { type: "start-failed"; errorName: string | null; reason: string }
  /** The microphone in use stopped on its own; another one is being opened. */
  | { type: "mic-ended" }
  /** Switching to the chosen microphone failed; the old one may still run. */
  | { type: "mic-switch-failed"; reason: string }
  /** The capture worklet failed and stopped producing frames. */
  | { type: "capture-failed"; message: string }
  /** The chosen speaker could not be used. */
  | { type: "output-failed"; message: string }
  /**
   * The connection dropped (or, `unreachable`, never opened) and will be retried: the
   * `attempt`-th try in `seconds`. The microphone sends nothing meanwhile.
   */
  | { type: "reconnecting"; attempt: number; seconds: number; unreachable: boolean }
  /** A reconnect went on with the same conversation: the coach remembers it. */
  | { type: "resumed" }
  /** The old conversation could not go on (its token was refused): this is a new one. */
  | { type: "new-conversation" }
  /** The session ended and will not be retried by itself. */
  | { type: "session-ended"; reason: string | null }
  /** The voice service sent an error event. */
  | { type: "service-error"; code: string | null; message: string }
  /** Push-to-talk was released before the service's minimum commit. */
  | { type: "hold-longer"; heldMs: number; minMs: number }
  /** The day's coaching time runs out soon (`relay.budget`); shown in the status line. */
  | { type: "time-left"; secondsLeft: number }
  /**
   * The day's coaching time is used up; `resetsAt` (ms since the epoch) is when it comes back.
   * Nothing reconnects until the user starts again.
   */
  | { type: "budget-exhausted"; resetsAt: number };

/** What {@linkcode missingFeatures} looks at; the page's globals by default. */
export interface BrowserGlobals {
  AudioContext?: unknown;
  AudioWorkletNode?: unknown;
  WebSocket?: unknown;
  navigator?: { mediaDevices?: { getUserMedia?: unknown } };
}

/** Whether the page runs in a secure context (HTTPS or localhost); true where unknown. */
export function isSecure(
  globals: { isSecureContext?: boolean } = globalThis as { isSecureContext?: boolean },
): boolean {
  return globals.isSecureContext !== false;
}

/** The capabilities this browser lacks (none: it can run the coach). */
export function missingFeatures(
  globals: BrowserGlobals = globalThis as unknown as BrowserGlobals,
): Feature[] {
  const missing: Feature[] = [];
  if (typeof globals.AudioContext === "undefined") missing.push("audio-context");
  if (typeof globals.AudioWorkletNode === "undefined") missing.push("audio-worklet");
  if (!globals.navigator?.mediaDevices?.getUserMedia) missing.push("get-user-media");
  if (typeof globals.WebSocket === "undefined") missing.push("websocket");
  return missing;
}

/**
 * Whether a notice leaves the page unable to run until the user acts (the state is then
 * "error" once the session is off).
 */
export function isBlocking(notice: Notice | null): boolean {
  switch (notice?.type) {
    case "unsupported":
    case "mic-blocked":
    case "start-failed":
    case "server-unreachable":
    case "session-ended":
    case "budget-exhausted":
      return true;
    default:
      return false;
  }
}

/** Whether a notice belongs in the status line (a quiet fact) rather than in a banner. */
export function inStatusLine(notice: Notice | null): boolean {
  return notice?.type === "time-left";
}

/**
 * The notice for a failed start. `describe` gives the reason in words for an error (the
 * microphone module's own wording), so that it is said one way everywhere.
 */
export function startFailure(error: unknown, describe: (error: unknown) => string): Notice {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const name = errorName(cause) ?? errorName(error);
  if (name === "NotAllowedError") return { type: "mic-blocked" };
  return { type: "start-failed", errorName: name, reason: describe(error) };
}

function errorName(error: unknown): string | null {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : null;
}

/** How long a notice that needs no action stays, by type; the others stay until replaced. */
export const AUTO_HIDE_MS: Partial<Record<Notice["type"], number>> = {
  "service-error": 8000,
  "mic-switch-failed": 8000,
  "output-failed": 8000,
  "mic-ended": 5000,
  "hold-longer": 4000,
  resumed: 6000,
  "new-conversation": 6000,
};

/** How long `notice` stays (undefined: until replaced). */
export function autoHideMs(notice: Notice): number | undefined {
  return AUTO_HIDE_MS[notice.type];
}

/** Options for {@linkcode NoticeBoard.show}. */
export interface ShowOptions {
  /** Hide the notice after this many milliseconds (unless another replaced it). @default never */
  autoHideMs?: number;
}

/** The one notice shown at a time. */
export class NoticeBoard {
  #current: Notice | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #publish: (notice: Notice | null) => void;

  /** `publish` receives the current notice each time it changes. */
  constructor(publish: (notice: Notice | null) => void) {
    this.#publish = publish;
  }

  get current(): Notice | null {
    return this.#current;
  }

  /** Shows `notice` in place of the current one (null: none). */
  show(notice: Notice | null, options: ShowOptions = {}): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#current = notice;
    this.#publish(notice);
    if (notice && options.autoHideMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        if (this.#current === notice) this.show(null);
      }, options.autoHideMs);
    }
  }

  /** Hides the current notice if it is of type `type`. */
  dismiss(type: Notice["type"]): void {
    if (this.#current?.type === type) this.show(null);
  }

  /** Cancels a pending auto-hide (the page is going away). */
  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
