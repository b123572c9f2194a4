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
import type { Feature, Notice } from "@/lib/client/notices.ts";
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

/** Where the coach runs, after the status line. */
export function upstreamLabel(upstream: string): string {
  return upstream === "local" ? " · local echo coach" : ` · ${upstream}`;
}

/** The banner's look (`banner-<kind>` in styles.css, `data-banner`). */
export type BannerKind = "mic-blocked" | "unsupported" | "error" | "reconnecting" | "failed";

/** A notice in words. */
export interface BannerView {
  kind: BannerKind;
  message: string;
  /** Steps the user can take, shown as a list. */
  steps?: string[];
  /** Whether a Retry button makes sense. */
  retry?: boolean;
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
    case "reconnecting":
      return { kind: "reconnecting", message: `Connection lost. Reconnecting… (${notice.detail})` };
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
