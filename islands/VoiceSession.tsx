/**
 * The voice island: one large power button, live level meters, the transcript, push-to-talk,
 * device pickers, banners for what the user must act on, and a diagnostics panel that shows
 * whether the audio on the wire is right. All behaviour lives in `VoiceController`; the words
 * live in voice_words.ts; this file lays them out.
 *
 * Each part reads only the signals of its concern from the {@linkcode VoiceStore}, so it
 * re-renders only when they change: the meters move with every level, while the transcript
 * redraws only when a turn changes and the diagnostics when a figure does.
 *
 * @module
 */
import { TurnDelivery } from "@/components/DeliveryCard.tsx";
import { SessionSummary } from "@/components/SessionSummary.tsx";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { defineIsland } from "@/framework/island.tsx";
import type { VoiceController } from "@/lib/client/voice_controller.ts";
import type { VoiceState } from "@/lib/client/voice_state.ts";
import { createVoiceStore, type VoiceStore } from "@/lib/client/voice_store.ts";
import { initialAccess, submitAccessCode } from "@/lib/client/access.ts";
import { inStatusLine } from "@/lib/client/notices.ts";
import {
  ACCESS_FORM,
  accessProblem,
  describeNotice,
  modeClass,
  statusLine,
  turnMark,
  usageLine,
} from "./voice_words.ts";
import { MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import { finishedTurnAnnouncement, POWER_NAME } from "./a11y_words.ts";
import { useFollowNewest } from "./follow_newest.ts";
import { DiagnosticsPanel } from "./diagnostics_panel.tsx";
import { canStart, isReady, isRunning } from "./part_state.ts";

export { DiagnosticsPanel };

export type { VoiceState };

export interface VoiceSessionProps extends Record<string, unknown> {
  /** Which upstream the server relays to (`local`, `openai`, `azure`), shown to the user. */
  upstream: string;
  captureWorkletUrl: string;
  playbackWorkletUrl: string;
  /** Access codes are on (`ACCESS_CODES`). @default false */
  accessRequired?: boolean;
  /** This browser's access cookie is valid. @default false */
  accessGranted?: boolean;
}

/** What the parts can ask of the session (a no-op until the controller has loaded). */
export interface VoiceActions {
  /** Power button and Retry: start, stop, or start afresh after a failure. */
  toggle(): Promise<void>;
  talkStart(): void;
  talkEnd(): void;
  setPushToTalk(on: boolean): void;
  setRawInput(on: boolean): void;
  chooseInput(deviceId: string): void;
  chooseOutput(deviceId: string): void;
  /** Sends an access code; a right one lets Start be used. */
  submitCode(code: string): Promise<void>;
  /** The reconnect banner's "Retry now": skip the wait. */
  retryNow(): void;
  /** Sends a typed message to the coach; false when it could not go. */
  sendText(text: string): boolean;
  setMuted(on: boolean): void;
}

/** The props every part gets: stable for the island's life, so parts redraw on signals only. */
export interface PartProps {
  store: VoiceStore;
  actions: VoiceActions;
}

/** RMS (0..1) → meter position: −60 dBFS … 0 dBFS. */
function meterValue(rms: number): number {
  if (rms <= 0) return 0;
  return Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60));
}

function sessionActions(
  controller: { current: VoiceController | null },
  store: VoiceStore,
): VoiceActions {
  return {
    async toggle() {
      const c = controller.current;
      if (!c) return;
      const failed = store.state.peek() === "error";
      if (c.running && !failed) return void c.stop();
      // Off, or a session that failed (Retry): start afresh.
      if (c.running) await c.stop();
      await c.start();
    },
    talkStart: () => controller.current?.talkStart(),
    talkEnd: () => controller.current?.talkEnd(),
    setPushToTalk: (on) => controller.current?.setPushToTalk(on),
    setRawInput: (on) => controller.current?.setRawInput(on),
    chooseInput: (id) => void controller.current?.chooseInput(id),
    chooseOutput: (id) => void controller.current?.chooseOutput(id),
    retryNow: () => controller.current?.retryNow(),
    sendText: (text) => controller.current?.sendText(text) ?? false,
    setMuted: (on) => controller.current?.setMuted(on),
    async submitCode(code) {
      const before = store.access.peek();
      if (before.checking) return;
      store.access.value = { ...before, checking: true };
      const problem = await submitAccessCode(location.origin, code);
      store.access.value = { needed: problem !== null, checking: false, problem };
    },
  };
}

function Banner({ store, actions }: PartProps) {
  const notice = store.notice.value;
  if (!notice || inStatusLine(notice)) return null;
  const banner = describeNotice(notice);
  return (
    <div role="alert" class={`banner banner-${banner.kind}`} data-banner={banner.kind}>
      <p>{banner.message}</p>
      {banner.steps && (
        <ol class="banner-steps">
          {banner.steps.map((step) => <li key={step}>{step}</li>)}
        </ol>
      )}
      {banner.retry && (
        <button type="button" class="retry" data-testid="retry" onClick={actions.toggle}>
          Retry
        </button>
      )}
      {banner.retryNow && (
        <div class="banner-actions">
          <button type="button" class="retry" data-testid="retry-now" onClick={actions.retryNow}>
            Retry now
          </button>
          <button type="button" data-testid="banner-stop" onClick={actions.toggle}>Stop</button>
        </div>
      )}
    </div>
  );
}

function Power({ store, actions }: PartProps) {
  const state = store.state.value;
  const running = isRunning(state);
  return (
    <button
      type="button"
      class={`power power-${state}${modeClass(state, store.controls.value)}`}
      data-testid="power"
      aria-pressed={running ? "true" : "false"}
      aria-describedby="voice-status"
      disabled={running ? !isReady(store) : !canStart(store)}
      onClick={actions.toggle}
    >
      <svg class="power-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 3v9M6.3 6.3a8 8 0 1 0 11.4 0" />
      </svg>
      {/* One name in every state (aria-pressed says on or off); the status line says more. */}
      <span class="power-label">{POWER_NAME}</span>
    </button>
  );
}

/** The code form, while the server asks for an access code and this browser has none. */
function AccessForm({ store, actions }: PartProps) {
  const access = store.access.value;
  if (!access.needed) return null;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem("code") as HTMLInputElement;
    void actions.submitCode(input.value);
  };
  return (
    <form class="access" data-testid="access-form" onSubmit={onSubmit}>
      <p>{ACCESS_FORM.intro}</p>
      <label for="access-code">{ACCESS_FORM.label}</label>
      <div class="access-row">
        <input
          id="access-code"
          name="code"
          type="password"
          autocomplete="off"
          required
          maxLength={256}
          data-testid="access-code"
          aria-invalid={access.problem !== null}
          aria-describedby={access.problem ? "access-problem" : undefined}
        />
        <button type="submit" data-testid="access-submit" disabled={access.checking}>
          {access.checking ? ACCESS_FORM.checking : ACCESS_FORM.submit}
        </button>
      </div>
      {access.problem && (
        <p id="access-problem" class="access-problem" role="alert" data-testid="access-problem">
          {accessProblem(access.problem)}
        </p>
      )}
    </form>
  );
}

function StatusLine({ store }: { store: VoiceStore }) {
  const usage = store.usage.value;
  return (
    <>
      <p id="voice-status" class="status" role="status">
        {statusLine(store.state.value, store.controls.value)}
      </p>
      {/* Its place is kept from page load, so the controls never move when figures come. */}
      <p class="usage" data-testid={usage ? "usage" : undefined}>{usage && usageLine(usage)}</p>
    </>
  );
}

/** The time left today: a status line of its own, among the notices under the controls. */
function TimeLeft({ store }: { store: VoiceStore }) {
  const notice = store.notice.value;
  if (!notice || !inStatusLine(notice)) return null;
  return (
    <p class="time-left" role="status" data-testid="time-left">
      {describeNotice(notice).message}
    </p>
  );
}

/** The two level meters: the one part that redraws with every level the worklets report. */
export function Meters({ store }: { store: VoiceStore }) {
  return (
    <div class="meters">
      <label>
        <span>You</span>
        {/* Dimmed while nothing is sent (muted, push-to-talk at rest, outage). */}
        <meter
          data-testid="mic-level"
          class={store.micSending.value ? "sending" : "not-sending"}
          data-sending={String(store.micSending.value)}
          min={0}
          max={1}
          value={meterValue(store.micLevel.value)}
        />
      </label>
      <label>
        <span>Coach</span>
        <meter
          data-testid="assistant-level"
          min={0}
          max={1}
          value={meterValue(store.assistantLevel.value)}
        />
      </label>
    </div>
  );
}

function Controls({ store, actions }: PartProps) {
  const ready = isReady(store);
  const running = isRunning(store.state.value);
  const { pushToTalk, talking } = store.controls.value;
  const devices = store.devices.value;
  const talkKey = (down: boolean) => (e: KeyboardEvent) => {
    if (e.key !== " " && e.key !== "Enter") return;
    e.preventDefault();
    if (down && !e.repeat) actions.talkStart();
    if (!down) actions.talkEnd();
  };
  return (
    <div class="controls">
      <label class="toggle">
        <input
          type="checkbox"
          data-testid="ptt-toggle"
          checked={pushToTalk}
          disabled={!ready}
          onChange={(e) => actions.setPushToTalk((e.target as HTMLInputElement).checked)}
        />
        Push to talk
      </label>
      <button
        type="button"
        class={`mute${store.controls.value.muted ? " muted" : ""}`}
        data-testid="mute"
        aria-pressed={store.controls.value.muted}
        disabled={!ready}
        onClick={() => actions.setMuted(!store.controls.value.muted)}
      >
        Mute
      </button>
      {pushToTalk && (
        <button
          type="button"
          class={`talk${talking ? " talking" : ""}`}
          data-testid="talk"
          aria-pressed={talking}
          disabled={!running}
          onPointerDown={(e) => {
            (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
            actions.talkStart();
          }}
          onPointerUp={actions.talkEnd}
          onPointerCancel={actions.talkEnd}
          onKeyDown={talkKey(true)}
          onKeyUp={talkKey(false)}
        >
          {talking ? "Release to send" : "Hold to talk"}
        </button>
      )}
      <label>
        <span>Microphone</span>
        <select
          data-testid="input-device"
          value={devices.inputId}
          disabled={!ready}
          onChange={(e) => actions.chooseInput((e.target as HTMLSelectElement).value)}
        >
          <option value="">Browser default</option>
          {devices.inputs.map((dev) => (
            <option key={dev.deviceId} value={dev.deviceId}>{dev.label}</option>
          ))}
        </select>
      </label>
      {/* Laid out from page load (so nothing moves at Start), usable once there is a choice. */}
      <label>
        <span>Speaker</span>
        <select
          data-testid="output-device"
          value={devices.outputId}
          disabled={!ready || !devices.canChooseOutput || devices.outputs.length === 0}
          onChange={(e) => actions.chooseOutput((e.target as HTMLSelectElement).value)}
        >
          <option value="">Browser default</option>
          {devices.outputs.filter((dev) => dev.deviceId !== "").map((dev) => (
            <option key={dev.deviceId} value={dev.deviceId}>{dev.label}</option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** The conversation: redraws when a turn is added, grows or ends, and at no other time. */
export function TranscriptList({ store }: { store: VoiceStore }) {
  const list = useRef<HTMLOListElement>(null);
  const entries = store.transcript.value;
  useFollowNewest(list, entries);
  return (
    <ol
      ref={list}
      class="transcript"
      data-testid="transcript"
      aria-label="Transcript"
      tabIndex={0}
    >
      {entries.map((entry) => (
        <li
          key={entry.itemId}
          class={`turn turn-${entry.role} turn-${entry.status}`}
          data-item-id={entry.itemId}
          data-role={entry.role}
        >
          <span class="who">{entry.role === "user" ? "You" : "Coach"}</span>
          <span class="text">{entry.text || (entry.status === "streaming" ? "…" : "")}</span>
          {turnMark(entry.status) && (
            <span class="note" data-testid="turn-mark">{turnMark(entry.status)}</span>
          )}
          {entry.role === "user" && (
            <TurnDelivery deliveries={store.deliveries} itemId={entry.itemId} />
          )}
        </li>
      ))}
    </ol>
  );
}

/** A text box to type to the coach: Enter (or Send) sends it as the user's turn. */
function TypeMessage({ store, actions }: PartProps) {
  const running = isRunning(store.state.value) && store.state.value !== "connecting" &&
    store.state.value !== "reconnecting";
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem(
      "message",
    ) as HTMLInputElement;
    if (actions.sendText(input.value)) input.value = "";
  };
  return (
    <form class="type-message" data-testid="text-form" onSubmit={onSubmit}>
      <label for="text-input" class="sr-only">Type to the coach</label>
      <input
        id="text-input"
        name="message"
        type="text"
        autocomplete="off"
        placeholder="Type to the coach…"
        maxLength={MAX_TYPED_TEXT_CHARS}
        data-testid="text-input"
        disabled={!running}
      />
      <button type="submit" data-testid="text-send" disabled={!running}>Send</button>
    </form>
  );
}

/** Reads out each finished turn once, whole: the transcript itself is not a live region. */
function TurnAnnouncer({ store }: { store: VoiceStore }) {
  return (
    <p class="sr-only" aria-live="polite" data-testid="turn-announcer">
      {finishedTurnAnnouncement(store.transcript.value)}
    </p>
  );
}

/** After Stop: the session's delivery summary, to read, copy or download. */
function Summary({ store }: { store: VoiceStore }) {
  const summary = store.summary.value;
  return summary ? <SessionSummary summary={summary} /> : null;
}

function VoiceSession(props: VoiceSessionProps) {
  const store = useMemo(
    () =>
      createVoiceStore({
        access: initialAccess(props.accessRequired ?? false, props.accessGranted ?? false),
      }),
    [],
  );
  const controller = useRef<VoiceController | null>(null);
  const actions = useMemo(() => sessionActions(controller, store), [store]);
  const audio = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    let disposed = false;
    // Loaded on the client only: the controller touches Web Audio and the DOM.
    import("@/lib/client/voice_controller.ts").then(({ VoiceController }) => {
      if (disposed) return;
      controller.current = new VoiceController({
        baseUrl: location.origin,
        captureWorkletUrl: props.captureWorkletUrl,
        playbackWorkletUrl: props.playbackWorkletUrl,
        audioElement: audio.current ?? undefined,
        store,
      });
    });
    return () => {
      disposed = true;
      controller.current?.stop();
    };
  }, []);

  const parts: PartProps = { store, actions };
  return (
    <section class="voice" data-voice-state={store.state.value} aria-label="Voice session">
      <AccessForm {...parts} />
      <Power {...parts} />
      <StatusLine store={store} />
      <Meters store={store} />
      <Controls {...parts} />
      {/* Under the controls: a banner coming or going never moves a control. */}
      <div class="notices">
        <Banner {...parts} />
        <TimeLeft store={store} />
      </div>
      <TranscriptList store={store} />
      <Summary store={store} />
      <TypeMessage {...parts} />
      <TurnAnnouncer store={store} />
      <DiagnosticsPanel {...parts} upstream={props.upstream} />
      {/* Assistant audio plays through this element, so the browser's echo cancellation hears it. */}
      <audio ref={audio} data-testid="assistant-audio" class="sink" />
    </section>
  );
}

export default defineIsland("VoiceSession", VoiceSession);
