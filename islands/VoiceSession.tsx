/**
 * The voice island: one large power button, live level meters, the transcript, push-to-talk,
 * device pickers, banners for what the user must act on, and a diagnostics panel that shows
 * whether the audio on the wire is right. All behaviour lives in `VoiceController`; this file
 * only renders its snapshots.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { defineIsland } from "@/framework/island.tsx";
import { useHydrated } from "@/framework/use_hydrated.ts";
import type {
  Diagnostics,
  VoiceController,
  VoiceSnapshot,
  VoiceState,
} from "@/lib/client/voice_controller.ts";

export type { VoiceState };

export interface VoiceSessionProps extends Record<string, unknown> {
  /** Which upstream the server relays to (`local`, `openai`, `azure`), shown to the user. */
  upstream: string;
  captureWorkletUrl: string;
  playbackWorkletUrl: string;
}

const STATUS: Record<VoiceState, string> = {
  off: "Press the button to start",
  connecting: "Connecting…",
  listening: "Listening — go ahead and talk",
  "user-speaking": "Hearing you…",
  "assistant-speaking": "Coach is speaking — talk any time to interrupt",
  reconnecting: "Reconnecting…",
  error: "Something needs your attention",
};

/** RMS (0..1) → meter position: −60 dBFS … 0 dBFS. */
function meterValue(rms: number): number {
  if (rms <= 0) return 0;
  return Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60));
}

function fmt(value: number | null, digits = 1, unit = ""): string {
  return value === null ? "—" : `${value.toFixed(digits)}${unit}`;
}

const DIAGNOSTIC_ROWS: [keyof Diagnostics, string, (d: Diagnostics) => string][] = [
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

function VoiceSession(props: VoiceSessionProps) {
  const hydrated = useHydrated();
  const controller = useRef<VoiceController | null>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const [snap, setSnap] = useState<VoiceSnapshot | null>(null);

  useEffect(() => {
    let disposed = false;
    // Loaded on the client only: the controller touches Web Audio and the DOM.
    import("@/lib/client/voice_controller.ts").then(({ VoiceController }) => {
      if (disposed) return;
      const c = new VoiceController({
        baseUrl: location.origin,
        captureWorkletUrl: props.captureWorkletUrl,
        playbackWorkletUrl: props.playbackWorkletUrl,
        audioElement: audio.current ?? undefined,
        onChange: setSnap,
      });
      controller.current = c;
      setSnap(c.snapshot());
    });
    return () => {
      disposed = true;
      controller.current?.stop();
    };
  }, []);

  const state: VoiceState = snap?.state ?? "off";
  const running = state !== "off" && state !== "error";
  const ready = hydrated && snap !== null && snap.banner?.kind !== "unsupported";
  const toggle = async () => {
    const c = controller.current;
    if (!c) return;
    if (c.running && state !== "error") return void c.stop();
    // Off, or a session that failed (Retry): start afresh.
    if (c.running) await c.stop();
    await c.start();
  };
  const talkKey = (down: boolean) => (e: KeyboardEvent) => {
    if (e.key !== " " && e.key !== "Enter") return;
    e.preventDefault();
    if (down && !e.repeat) controller.current?.talkStart();
    if (!down) controller.current?.talkEnd();
  };
  const banner = snap?.banner ?? null;
  const d = snap?.diagnostics;

  return (
    <section class="voice" data-voice-state={state} aria-label="Voice session">
      {banner && (
        <div role="alert" class={`banner banner-${banner.kind}`} data-banner={banner.kind}>
          <p>{banner.message}</p>
          {banner.steps && (
            <ol class="banner-steps">
              {banner.steps.map((step) => <li key={step}>{step}</li>)}
            </ol>
          )}
          {banner.retry && (
            <button type="button" class="retry" data-testid="retry" onClick={toggle}>
              Retry
            </button>
          )}
        </div>
      )}

      <button
        type="button"
        class={`power power-${state}`}
        data-testid="power"
        aria-pressed={running}
        aria-describedby="voice-status"
        disabled={!ready}
        onClick={toggle}
      >
        <svg class="power-icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3v9M6.3 6.3a8 8 0 1 0 11.4 0" />
        </svg>
        <span class="power-label">{running ? "Stop" : "Start talking"}</span>
      </button>
      <p id="voice-status" class="status">
        {STATUS[state]}
        <span class="upstream">
          {props.upstream === "local" ? " · local echo coach" : ` · ${props.upstream}`}
        </span>
      </p>

      <div class="meters">
        <label>
          <span>You</span>
          <meter data-testid="mic-level" min={0} max={1} value={meterValue(snap?.micLevel ?? 0)} />
        </label>
        <label>
          <span>Coach</span>
          <meter
            data-testid="assistant-level"
            min={0}
            max={1}
            value={meterValue(snap?.assistantLevel ?? 0)}
          />
        </label>
      </div>

      <div class="controls">
        <label class="toggle">
          <input
            type="checkbox"
            data-testid="ptt-toggle"
            checked={snap?.pushToTalk ?? false}
            disabled={!ready}
            onChange={(e) =>
              controller.current?.setPushToTalk((e.target as HTMLInputElement).checked)}
          />
          Push to talk
        </label>
        {snap?.pushToTalk && (
          <button
            type="button"
            class={`talk${snap.talking ? " talking" : ""}`}
            data-testid="talk"
            aria-pressed={snap.talking}
            disabled={!running}
            onPointerDown={(e) => {
              (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
              controller.current?.talkStart();
            }}
            onPointerUp={() => controller.current?.talkEnd()}
            onPointerCancel={() => controller.current?.talkEnd()}
            onKeyDown={talkKey(true)}
            onKeyUp={talkKey(false)}
          >
            {snap.talking ? "Release to send" : "Hold to talk"}
          </button>
        )}
        <label>
          <span>Microphone</span>
          <select
            data-testid="input-device"
            value={snap?.inputDeviceId ?? ""}
            disabled={!ready}
            onChange={(e) => controller.current?.chooseInput((e.target as HTMLSelectElement).value)}
          >
            <option value="">Browser default</option>
            {snap?.inputDevices.map((dev) => (
              <option key={dev.deviceId} value={dev.deviceId}>{dev.label}</option>
            ))}
          </select>
        </label>
        {snap?.canChooseOutput && (snap.outputDevices.length ?? 0) > 0 && (
          <label>
            <span>Speaker</span>
            <select
              data-testid="output-device"
              value={snap.outputDeviceId}
              onChange={(e) =>
                controller.current?.chooseOutput((e.target as HTMLSelectElement).value)}
            >
              <option value="">Browser default</option>
              {snap.outputDevices.filter((dev) => dev.deviceId !== "").map((dev) => (
                <option key={dev.deviceId} value={dev.deviceId}>{dev.label}</option>
              ))}
            </select>
          </label>
        )}
        {snap?.deviceLabel && (
          <p class="device" data-testid="device-label">Using: {snap.deviceLabel}</p>
        )}
        <p class="permission" data-testid="permission">
          Microphone permission: {snap?.permission ?? "unknown"}
        </p>
      </div>

      <ol class="transcript" data-testid="transcript" aria-live="polite" aria-label="Transcript">
        {(snap?.transcript ?? []).map((entry) => (
          <li
            key={entry.itemId}
            class={`turn turn-${entry.role} turn-${entry.status}`}
            data-item-id={entry.itemId}
            data-role={entry.role}
          >
            <span class="who">{entry.role === "user" ? "You" : "Coach"}</span>
            <span class="text">{entry.text || (entry.status === "streaming" ? "…" : "")}</span>
            {entry.status === "truncated" && <span class="note">(interrupted)</span>}
          </li>
        ))}
      </ol>

      <details class="diagnostics" data-testid="diagnostics">
        <summary>Diagnostics</summary>
        <dl>
          {DIAGNOSTIC_ROWS.map(([key, label, show]) => (
            <div key={key}>
              <dt>{label}</dt>
              <dd data-testid={`diag-${key}`} data-value={d ? String(d[key] ?? "") : ""}>
                {d ? show(d) : "—"}
              </dd>
            </div>
          ))}
        </dl>
        <label class="raw">
          <input
            type="checkbox"
            data-testid="raw-input"
            checked={snap?.rawInput ?? false}
            disabled={!ready || running}
            onChange={(e) =>
              controller.current?.setRawInput((e.target as HTMLInputElement).checked)}
          />
          Raw microphone (no echo cancellation, noise suppression or gain control; applies at the
          next start)
        </label>
        <ul class="checks">
          {(snap?.checks ?? []).map((check) => (
            <li
              key={check.label}
              class={check.ok === null ? "pending" : check.ok ? "pass" : "fail"}
            >
              <span aria-hidden="true">{check.ok === null ? "○" : check.ok ? "✔" : "✘"}</span>{" "}
              {check.label} <small>({check.detail})</small>
            </li>
          ))}
        </ul>
      </details>

      {/* Assistant audio plays through this element, so the browser's echo cancellation hears it. */}
      <audio ref={audio} data-testid="assistant-audio" class="sink" />
    </section>
  );
}

export default defineIsland("VoiceSession", VoiceSession);
