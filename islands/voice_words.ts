/**
 * Every word the voice page says: the status line for each state, the banner for each notice
 * (message, steps, whether Retry helps), the wire checks and the diagnostics rows. The
 * controller says what happened in types (`VoiceState`, `Notice`, `WireCheck`); this module
 * is where those become sentences, so changing what the page says never touches the session.
 *
 * @module
 */
import { FRAME_BYTES, FRAME_MS, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import type { Diagnostics, WireCheck } from "@/lib/client/diagnostics.ts";
import type { AccessProblem } from "@/lib/client/access.ts";
import type { LatencyView } from "@/lib/client/latency.ts";
import type { Feature, Notice } from "@/lib/client/notices.ts";
import type { EntryStatus } from "@/lib/client/transcript.ts";
import { type SessionUsage, TOKEN_KINDS, type UsageTokens } from "@/lib/client/relay_events.ts";
import type { VoiceState } from "@/lib/client/voice_state.ts";

/** The status line under the power button. */
export const STATUS: Record<VoiceState, string> = {
  off: "Press the button to start",
  connecting: "Connecting…",
  listening: "Listening — go ahead and talk",
  "user-speaking": "Hearing you…",
  "assistant-speaking": "Coach is speaking — talk any time to interrupt",
  reconnecting: "Reconnecting…",
  error: "Something needs your attention",
};

/** The switches that change what a listening session says. */
export interface StatusMode {
  pushToTalk: boolean;
  muted: boolean;
}

/**
 * The status line for `state` in `mode`: a muted session says so, and push-to-talk at rest
 * says "Hold to talk" (nothing is sent until the button is held).
 */
export function statusLine(state: VoiceState, mode: StatusMode): string {
  const running = state === "listening" || state === "user-speaking" ||
    state === "assistant-speaking";
  if (running && mode.muted) {
    return state === "assistant-speaking"
      ? "Muted — the coach is speaking; it cannot hear you"
      : "Muted — the coach cannot hear you";
  }
  if (state === "listening" && mode.pushToTalk) return "Hold to talk";
  if (state === "assistant-speaking" && mode.pushToTalk) {
    return "Coach is speaking — hold to talk to interrupt";
  }
  return STATUS[state];
}

/** The extra class of the power button for a mode (`power-ptt`, `power-muted`), or "". */
export function modeClass(state: VoiceState, mode: StatusMode): string {
  if (state === "off" || state === "error" || state === "connecting") return "";
  if (mode.muted) return " power-muted";
  return mode.pushToTalk ? " power-ptt" : "";
}

/** The marker after a turn that ended early, or null for one that did not. */
export function turnMark(status: EntryStatus): string | null {
  if (status === "truncated") return "interrupted";
  if (status === "stopped") return "stopped";
  return null;
}

/** Microphone paused during an outage, in words. */
export const MIC_PAUSED = "Microphone paused until the connection is back.";

/** Where the coach runs, after the status line. */
export function upstreamLabel(upstream: string): string {
  return upstream === "local" ? " · local echo coach" : ` · ${upstream}`;
}

/** The banner's look (`banner-<kind>` in styles.css, `data-banner`). */
export type BannerKind =
  | "mic-blocked"
  | "unsupported"
  | "error"
  | "reconnecting"
  | "failed"
  | "budget"
  | "time-left"
  | "info";

/** A notice in words. */
export interface BannerView {
  kind: BannerKind;
  message: string;
  /** Steps the user can take, shown as a list. */
  steps?: string[];
  /** Whether a Retry button makes sense. */
  retry?: boolean;
  /** Whether "Retry now" (skip the wait) and "Stop" buttons make sense. */
  retryNow?: boolean;
}

const FEATURE_NAMES: Record<Feature, string> = {
  "audio-context": "Web Audio (AudioContext)",
  "audio-worklet": "AudioWorklet",
  "get-user-media": "microphone access (getUserMedia)",
  websocket: "WebSocket",
};

const MIC_BLOCKED_STEPS = [
  "Click the lock or tune icon at the left of the address bar.",
  "Set Microphone to Allow for this site.",
  "Press Retry below (or reload the page).",
];

/** The banner for a notice. */
export function describeNotice(notice: Notice): BannerView {
  switch (notice.type) {
    case "unsupported":
      if (notice.insecure) {
        return {
          kind: "unsupported",
          message:
            "The voice coach needs HTTPS (or localhost): this page was opened over plain http, so the browser turns the microphone off.",
          steps: [
            "Open the page at an https:// address, or on the machine that runs the server at http://localhost.",
          ],
        };
      }
      return {
        kind: "unsupported",
        message: `This browser cannot run the voice coach: it lacks ${
          notice.missing.map((f) => FEATURE_NAMES[f]).join(", ")
        }.`,
        steps: ["Use a current Chrome, Edge, Firefox or Safari."],
      };
    case "mic-blocked":
      return {
        kind: "mic-blocked",
        message: "The microphone is blocked, so the coach cannot hear you.",
        steps: MIC_BLOCKED_STEPS,
        retry: true,
      };
    case "start-failed":
      return { kind: "failed", message: notice.reason, retry: true };
    case "mic-ended":
      return { kind: "error", message: "The microphone stopped; switching to another one…" };
    case "mic-switch-failed":
      return { kind: "error", message: notice.reason };
    case "capture-failed":
    case "output-failed":
      return { kind: "error", message: notice.message };
    case "server-unreachable":
      return {
        kind: "failed",
        message:
          "The server cannot be reached. Check your connection (or that the server runs), then retry.",
        retry: true,
      };
    case "reconnecting":
      return {
        kind: "reconnecting",
        message: `${
          notice.unreachable ? "The server cannot be reached" : "Connection lost"
        } — trying again ${
          notice.seconds > 0 ? `in ${notice.seconds} s` : "now"
        } (attempt ${notice.attempt}). ${MIC_PAUSED}`,
        retryNow: true,
      };
    case "resumed":
      return { kind: "info", message: "Reconnected — the coach remembers the conversation." };
    case "new-conversation":
      return {
        kind: "info",
        message: "Started a new conversation: the earlier one could not be continued.",
      };
    case "session-ended":
      return {
        kind: "failed",
        message: `The session ended: ${notice.reason ?? "unknown reason"}.`,
        retry: true,
      };
    case "service-error":
      return { kind: "error", message: notice.message };
    case "hold-longer":
      return { kind: "error", message: "Hold the button a little longer while you speak." };
    case "time-left":
      return { kind: "time-left", message: timeLeft(notice.secondsLeft) };
    case "budget-exhausted":
      return {
        kind: "budget",
        message: `That's all the coaching time for today. It comes back ${
          resetTime(notice.resetsAt)
        } (your local time). See you then!`,
      };
    default: {
      const unknown: never = notice;
      throw new TypeError(`Unknown notice ${JSON.stringify(unknown)}`);
    }
  }
}

/** A wire check in words: what the rule is, and what was measured. */
export function describeCheck(check: WireCheck): { label: string; detail: string } {
  switch (check.type) {
    case "frame-size":
      return {
        label: `Frames are ${FRAME_MS} ms of ${
          WIRE_SAMPLE_RATE / 1000
        } kHz mono PCM16 (${FRAME_BYTES} bytes)`,
        detail: check.ok === null ? "no frames yet" : `${check.badFrames} frames of another size`,
      };
    case "json-text":
      return {
        label: "Audio goes as JSON text with base64 (no binary frames)",
        detail: `${check.appendsSent} appends sent`,
      };
    case "no-commit-under-vad":
      return {
        label: "No commit while server VAD is on",
        detail: `${check.commitsUnderVad} commits under VAD`,
      };
    case "steady-cadence":
      return {
        label: `Steady ${FRAME_MS} ms cadence (send gap p95 ≤ ${check.limitMs} ms)`,
        detail: check.sendGapP95Ms === null
          ? "not measured yet"
          : `p95 ${check.sendGapP95Ms.toFixed(1)} ms`,
      };
    case "no-drops":
      return { label: "No frames dropped", detail: `${check.framesDropped} dropped` };
    default: {
      const unknown: never = check;
      throw new TypeError(`Unknown check ${JSON.stringify(unknown)}`);
    }
  }
}

function fmt(value: number | null, digits = 1, unit = ""): string {
  return value === null ? "—" : `${value.toFixed(digits)}${unit}`;
}

/** The diagnostics panel's rows: the record's key (its test id), the label, the value shown. */
export const DIAGNOSTIC_ROWS: [keyof Diagnostics, string, (d: Diagnostics) => string][] = [
  ["inputRate", "Input rate", (d) => (d.inputRate ? `${d.inputRate} Hz` : "—")],
  ["wireRate", "Wire rate", (d) => `${d.wireRate} Hz mono PCM16`],
  ["outputRate", "Output rate", (d) => (d.outputRate ? `${d.outputRate} Hz` : "—")],
  [
    "lastFrameBytes",
    "Frame bytes",
    (d) => (d.lastFrameBytes === null ? "—" : String(d.lastFrameBytes)),
  ],
  ["framesSent", "Frames sent", (d) => String(d.framesSent)],
  ["framesDropped", "Dropped frames", (d) => String(d.framesDropped)],
  ["queueDepth", "Send queue", (d) => `${d.queueDepth} frames`],
  ["sendGapP95Ms", "Send gap p95", (d) => fmt(d.sendGapP95Ms, 1, " ms")],
  ["captureToSendP95Ms", "Capture → send p95", (d) => fmt(d.captureToSendP95Ms, 1, " ms")],
  [
    "jitterDepthMs",
    "Jitter buffer",
    (d) => `${Math.round(d.jitterDepthMs)} ms (pre-roll ${Math.round(d.preRollMs)} ms)`,
  ],
  ["underruns", "Underruns", (d) => String(d.underruns)],
  ["outputLatencyMs", "Output latency", (d) => fmt(d.outputLatencyMs, 0, " ms")],
  ["bargeIns", "Barge-ins", (d) => `${d.bargeIns} (last truncate ${d.lastTruncateMs ?? "—"} ms)`],
];

/** The latency line of Diagnostics: the last turn and the session's median. */
export function latencyLine(view: LatencyView): string {
  if (view.last === null) return "No answer measured yet";
  const { firstAudioMs, audibleMs } = view.last;
  const last = `Last turn: ${Math.round(firstAudioMs)} ms to the first audio from the server, ${
    audibleMs === null ? "not heard yet" : `${Math.round(audibleMs)} ms to the first sound`
  }`;
  if (view.medianAudibleMs === null) return last;
  return `${last} · median ${Math.round(view.medianAudibleMs)} ms over ${view.turns} ${
    view.turns === 1 ? "turn" : "turns"
  }`;
}

/** The time left today, in the status line: "About 2 minutes of coaching left today". */
export function timeLeft(secondsLeft: number): string {
  const minutes = Math.round(secondsLeft / 60);
  if (secondsLeft < 60 || minutes < 1) return "Less than a minute of coaching left today";
  return `About ${minutes} ${minutes === 1 ? "minute" : "minutes"} of coaching left today`;
}

/** Options of {@linkcode resetTime}. */
export interface ResetTimeOptions {
  /**
   * Now, in ms since the epoch (to tell today from tomorrow).
   * @default {Date.now()}
   */
  now?: number;
  /**
   * The time zone to say it in.
   * @default the browser's own
   */
  timeZone?: string;
}

/** When a spent budget comes back, in the user's time: "at 01:00 tomorrow", "at 17:30 today". */
export function resetTime(resetsAt: number, options: ResetTimeOptions = {}): string {
  const { now = Date.now(), timeZone } = options;
  const clock = new Intl.DateTimeFormat(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(resetsAt);
  const day = new Intl.DateTimeFormat("en-CA", { dateStyle: "short", timeZone });
  const today = day.format(now);
  const then = day.format(resetsAt);
  if (then === today) return `at ${clock} today`;
  if (then === day.format(now + 86_400_000)) return `at ${clock} tomorrow`;
  const date = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone }).format(
    resetsAt,
  );
  return `at ${clock} on ${date}`;
}

/** The access-code form's words. */
export const ACCESS_FORM = {
  intro: "This coach is for invited people. Enter the access code you were given.",
  label: "Access code",
  submit: "Unlock",
  checking: "Checking…",
} as const;

/** Why the code form asks again, in words. */
export function accessProblem(problem: AccessProblem): string {
  switch (problem.type) {
    case "wrong-code":
      return "That code is not right. Check it and try again.";
    case "too-many-tries":
      return `Too many tries. Wait ${problem.retryAfterSeconds} seconds, then try again.`;
    case "expired":
      return "Your access has expired. Enter the code again to go on.";
    case "failed":
      return problem.status === null
        ? "The code could not be checked: the server could not be reached. Try again."
        : `The code could not be checked (HTTP ${problem.status}). Try again.`;
    default: {
      const unknown: never = problem;
      throw new TypeError(`Unknown access problem ${JSON.stringify(unknown)}`);
    }
  }
}

const INTEGER = new Intl.NumberFormat("en-US");

/** The cost estimate: "about $0.12", "under $0.01", "no cost" (the built-in coach). */
export function costWords(usd: number): string {
  if (usd === 0) return "no cost";
  if (usd > 0 && usd < 0.005) return "under $0.01";
  return `about $${usd.toFixed(2)}`;
}

/** The session's quiet usage line: "This session: 3 min · 12,345 tokens · about $0.12". */
export function usageLine(usage: SessionUsage): string {
  const minutes = Math.round(usage.sessionSeconds / 60);
  const time = usage.sessionSeconds < 60 && minutes < 1 ? "under 1 min" : `${minutes} min`;
  const tokens = usage.tokens.total;
  return `This session: ${time} · ${INTEGER.format(tokens)} ${
    tokens === 1 ? "token" : "tokens"
  } · ${costWords(usage.estimatedCostUsd)}`;
}

const TOKEN_LABELS: Record<keyof UsageTokens, string> = {
  input_text: "Input text tokens",
  input_audio: "Input audio tokens",
  input_cached: "Cached input tokens",
  output_text: "Output text tokens",
  output_audio: "Output audio tokens",
  total: "Tokens in all",
};

/** The usage rows of the diagnostics panel: a test id, the label, the value shown. */
export function usageRows(usage: SessionUsage): [string, string, string][] {
  return [
    ["responses", "Responses", INTEGER.format(usage.responses)],
    ...TOKEN_KINDS.map((kind): [string, string, string] => [
      `tokens-${kind}`,
      TOKEN_LABELS[kind],
      INTEGER.format(usage.tokens[kind]),
    ]),
    ["tokens-total", TOKEN_LABELS.total, INTEGER.format(usage.tokens.total)],
    ["cost", "Estimated cost", `$${usage.estimatedCostUsd.toFixed(4)}`],
    [
      "price-table",
      "Prices",
      !usage.priceModel
        ? "unknown"
        : usage.pricesTakenOn
        ? `${usage.priceModel}, taken on ${usage.pricesTakenOn}`
        : usage.priceModel,
    ],
  ];
}
