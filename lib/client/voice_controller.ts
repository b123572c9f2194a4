/**
 * The voice session behind the island: microphone → relay → speaker, barge-in and
 * push-to-talk. Everything that talks to Web Audio or the network lives here; what the page
 * shows goes out through the island's {@linkcode VoiceStore}, one signal per concern, as
 * typed values (a {@linkcode VoiceState}, a {@linkcode Notice}) that the island puts into
 * words.
 *
 * Flow: `start()` (a user gesture) creates or resumes the AudioContext at the device's own
 * rate, opens the player and the microphone, and connects the relay. Each 960-byte frame from
 * the capture worklet goes to {@linkcode RelayClient.sendAudioFrame} at once. Server events
 * drive the state, the transcript and the player. When the user starts speaking while the
 * assistant is heard, playback is flushed and the heard part of the item is truncated.
 *
 * The parts: devices.ts (pickers, fallback, permission), diagnostics.ts (wire figures and
 * checks), notices.ts (what to tell the user), push_to_talk.ts, transcript_events.ts,
 * voice_state.ts, and voice_store.ts (the signals).
 *
 * @module
 */
import { bytesToMs } from "@/lib/shared/audio_format.ts";
import { decodeBase64 } from "@/lib/shared/base64.ts";
import { COACH_TURN_DETECTION } from "@/lib/shared/coach_session.ts";
import type { ServerEvent } from "@/lib/shared/realtime/mod.ts";
import { truncateEndMs } from "./barge_in.ts";
import { DeviceWatcher } from "./devices.ts";
import { collectDiagnostics, sameDiagnostics, WireCounters } from "./diagnostics.ts";
import { describeMicrophoneError, MicCapture } from "./mic_capture.ts";
import {
  autoHideMs,
  isBlocking,
  missingFeatures,
  type Notice,
  NoticeBoard,
  startFailure,
} from "./notices.ts";
import { Player } from "./player.ts";
import type { Disconnect } from "./reconnect.ts";
import {
  ACCESS_REQUIRED,
  BUDGET_CLOSE_CODE,
  BUDGET_EXHAUSTED,
  nextUtcMidnight,
  readRelayEvent,
} from "./relay_events.ts";
import { PushToTalk } from "./push_to_talk.ts";
import { type ConnectionState, RelayClient } from "./relay_client.ts";
import { Transcript } from "./transcript.ts";
import { applyTranscriptEvent } from "./transcript_events.ts";
import { voiceState } from "./voice_state.ts";
import { publish, publishTranscript, sameControls, type VoiceStore } from "./voice_store.ts";

export type { Notice, VoiceStore };
export type { VoiceState } from "./voice_state.ts";

export interface VoiceControllerOptions {
  /** Page origin (`location.origin`). */
  baseUrl: string;
  captureWorkletUrl: string;
  playbackWorkletUrl: string;
  /** The `<audio>` element assistant audio plays through (so echo cancellation hears it). */
  audioElement?: HTMLAudioElement;
  /** Where the controller publishes what the page shows (`createVoiceStore()`). */
  store: VoiceStore;
  /** How often the diagnostics are read while a session runs. @default 250 */
  diagnosticsIntervalMs?: number;
}

type TurnDetectionState = { type: string; interrupt_response?: boolean } | null;

export class VoiceController {
  #options: VoiceControllerOptions;
  #store: VoiceStore;
  #notices: NoticeBoard;
  #devices: DeviceWatcher;
  #ptt = new PushToTalk();
  #counters = new WireCounters();
  #transcript = new Transcript();
  #running = false;
  #ctx: AudioContext | null = null;
  #capture: MicCapture | null = null;
  #player: Player | null = null;
  #relay: RelayClient | null = null;
  #connection: ConnectionState = "idle";
  #sessionReady = false;
  #userSpeaking = false;
  #assistantPlaying = false;
  #rawInput = false;
  #turnDetection: TurnDetectionState = COACH_TURN_DETECTION;
  #activeResponse: string | null = null;
  /** Milliseconds of audio received per assistant item, the ceiling of a truncate. */
  #receivedMs = new Map<string, number>();
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  #abort: AbortController | null = null;

  constructor(options: VoiceControllerOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#notices = new NoticeBoard((notice) => {
      this.#store.notice.value = notice;
      this.#publish();
    });
    this.#devices = new DeviceWatcher({
      onChange: (view) => publish(this.#store.devices, view),
      onInputGone: () => this.chooseInput(""),
    });
    publish(this.#store.devices, this.#devices.view);
    this.#devices.watchPermission();
    const missing = missingFeatures();
    if (missing.length > 0) this.#notices.show({ type: "unsupported", missing });
    this.#store.ready.value = true;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Publishes the state and the controls (each only if it changed). */
  #publish(): void {
    const store = this.#store;
    publish(
      store.state,
      voiceState({
        running: this.#running,
        blocked: isBlocking(store.notice.peek()),
        connection: this.#connection,
        sessionReady: this.#sessionReady,
        userSpeaking: this.#userSpeaking,
        talking: this.#ptt.held,
        assistantPlaying: this.#assistantPlaying,
      }),
    );
    publish(store.controls, {
      pushToTalk: this.#ptt.enabled,
      talking: this.#ptt.held,
      rawInput: this.#rawInput,
    }, sameControls);
  }

  #publishDiagnostics(): void {
    const diagnostics = collectDiagnostics({
      counters: this.#counters,
      inputRate: this.#capture?.inputRate ?? this.#ctx?.sampleRate ?? null,
      sender: this.#relay?.stats,
      player: this.#player,
    });
    publish(this.#store.diagnostics, diagnostics, sameDiagnostics);
  }

  #notify(notice: Notice): void {
    this.#notices.show(notice, { autoHideMs: autoHideMs(notice) });
  }

  /** Starts a session: call from the power button's click (a user gesture). */
  async start(): Promise<void> {
    if (this.#running) return;
    if (missingFeatures().length > 0) return this.#publish();
    // Codes are on and this browser has none yet: the form comes first.
    if (this.#store.access.peek().needed) return this.#publish();
    this.#running = true;
    this.#sessionReady = false;
    this.#notices.show(null);
    this.#store.usage.value = null;
    const abort = new AbortController();
    this.#abort = abort;
    const store = this.#store;
    try {
      // The device's own rate: a requested 24 kHz context breaks capture in Firefox.
      this.#ctx ??= new AudioContext({ latencyHint: "interactive" });
      await this.#ctx.resume();
      this.#player = await Player.create(this.#ctx, {
        workletUrl: this.#options.playbackWorkletUrl,
        sinkElement: this.#options.audioElement,
        onStarted: () => {
          this.#assistantPlaying = true;
          this.#publish();
        },
        onDrained: () => {
          this.#assistantPlaying = false;
          store.assistantLevel.value = 0;
          this.#publish();
        },
        onLevel: (rms) => store.assistantLevel.value = rms,
      });
      this.#capture = await MicCapture.start(this.#ctx, {
        workletUrl: this.#options.captureWorkletUrl,
        deviceId: this.#devices.view.inputId || undefined,
        signal: abort.signal,
        onFrame: (frame, info) => this.#onFrame(frame, info.capturedAt),
        onLevel: (rms) => store.micLevel.value = rms,
        onEnded: () => this.#onTrackEnded(),
        constraints: this.#rawInput
          ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
          : undefined,
        onError: (error) => this.#notify({ type: "capture-failed", message: error.message }),
      });
      this.#devices.setPermission("granted");
      await this.#devices.attach(this.#capture);
    } catch (error) {
      const notice = startFailure(error, describeMicrophoneError);
      await this.stop();
      this.#notify(notice);
      if (notice.type === "mic-blocked") this.#devices.setPermission("denied");
      return;
    }
    this.#relay = new RelayClient({
      baseUrl: this.#options.baseUrl,
      onEvent: (event) => this.#onEvent(event),
      onState: (state, detail, cause) => this.#onConnection(state, detail, cause),
    });
    this.#relay.start();
    this.#statsTimer = setInterval(
      () => this.#publishDiagnostics(),
      this.#options.diagnosticsIntervalMs ?? 250,
    );
    this.#publish();
  }

  /** Ends the session and releases the microphone. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort?.abort();
    this.#relay?.stop();
    this.#relay = null;
    this.#capture?.stop();
    this.#capture = null;
    this.#player?.close();
    this.#player = null;
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    this.#statsTimer = null;
    this.#devices.detach();
    const ctx = this.#ctx;
    this.#ctx = null;
    await ctx?.close().catch(() => {});
    this.#sessionReady = false;
    this.#userSpeaking = false;
    this.#assistantPlaying = false;
    this.#ptt.reset();
    this.#store.micLevel.value = 0;
    this.#store.assistantLevel.value = 0;
    this.#activeResponse = null;
    this.#notices.dismiss("reconnecting");
    this.#publish();
    this.#publishDiagnostics();
  }

  #onFrame(frame: Uint8Array, capturedAt: number): void {
    this.#counters.frame(frame.length);
    // Push-to-talk: audio goes only while the key or button is held.
    if (this.#ptt.frame()) this.#relay?.sendAudioFrame(frame, capturedAt);
  }

  #onConnection(state: ConnectionState, detail?: string, cause?: Disconnect): void {
    this.#connection = state;
    if (state === "reconnecting") {
      this.#sessionReady = false;
      this.#userSpeaking = false;
      this.#activeResponse = null;
      if (this.#assistantPlaying) this.#player?.flush();
      this.#notify({ type: "reconnecting", detail: detail ?? "" });
    } else if (state === "failed") {
      if (this.#endedForGood(cause)) return;
      this.#notify({ type: "session-ended", reason: detail ?? null });
    } else if (state === "open") {
      this.#notices.dismiss("reconnecting");
    }
    this.#publish();
  }

  /**
   * The session failed because the day's budget is spent or access is no longer granted: stop
   * (releasing the microphone), and show the budget banner or the code form. True if so.
   */
  #endedForGood(cause: Disconnect | undefined): boolean {
    if (cause?.type === "http" && cause.status === 401 && cause.code === ACCESS_REQUIRED) {
      this.#store.access.value = { needed: true, checking: false, problem: { type: "expired" } };
      this.#notices.show(null);
      void this.stop();
      return true;
    }
    const budgetHttp = cause?.type === "http" && cause.code === BUDGET_EXHAUSTED;
    const budgetClose = cause?.type === "close" && cause.code === BUDGET_CLOSE_CODE;
    if (!budgetHttp && !budgetClose) return false;
    const current = this.#notices.current;
    const resetsAt = (cause.type === "http" ? cause.resetsAt : null) ??
      (current?.type === "budget-exhausted" ? current.resetsAt : nextUtcMidnight(Date.now()));
    this.#notify({ type: "budget-exhausted", resetsAt });
    void this.stop();
    return true;
  }

  #onEvent(event: ServerEvent): void {
    const note = readRelayEvent(event as unknown as { type: string } & Record<string, unknown>);
    if (note?.type === "budget") {
      this.#notify({ type: "time-left", secondsLeft: note.secondsLeft });
      return;
    }
    if (note?.type === "usage") {
      this.#store.usage.value = note.usage;
      return;
    }
    if (applyTranscriptEvent(this.#transcript, event)) {
      publishTranscript(this.#store.transcript, this.#transcript.entries);
    }
    switch (event.type) {
      case "session.updated": {
        this.#sessionReady = true;
        const session = event.session as { audio?: { input?: { turn_detection?: unknown } } };
        const td = session.audio?.input?.turn_detection;
        if (td !== undefined) this.#turnDetection = td as TurnDetectionState;
        // Push-to-talk chosen before (re)connecting: the server configured VAD, switch it off.
        if (this.#ptt.enabled && this.#turnDetection !== null) this.#sendTurnDetection();
        break;
      }
      case "input_audio_buffer.speech_started":
        this.#userSpeaking = true;
        this.#bargeIn();
        break;
      case "input_audio_buffer.speech_stopped":
      case "input_audio_buffer.committed":
        this.#userSpeaking = false;
        break;
      case "response.created":
        this.#activeResponse = event.response.id;
        break;
      case "response.done":
        if (this.#activeResponse === event.response.id) this.#activeResponse = null;
        break;
      case "response.output_audio.delta": {
        const bytes = decodeBase64(event.delta);
        const received = this.#receivedMs.get(event.item_id) ?? 0;
        this.#receivedMs.set(event.item_id, received + bytesToMs(bytes.length));
        this.#player?.enqueue(event.item_id, bytes);
        break;
      }
      case "response.output_audio.done":
        this.#player?.endItem(event.item_id);
        break;
      case "error":
        if (event.error.code === BUDGET_EXHAUSTED) {
          // The relay closes with 4008 next, but Deno can lose that close frame while audio
          // still arrives (the page would see 1006 and reconnect): stop here, for good.
          this.#notify({ type: "budget-exhausted", resetsAt: nextUtcMidnight(Date.now()) });
          void this.stop();
          break;
        }
        this.#notify({
          type: "service-error",
          code: event.error.code ?? null,
          message: event.error.message,
        });
        break;
      default:
        break;
    }
    this.#publish();
  }

  /** The user talks over the assistant: stop playback now and tell the service what was heard. */
  #bargeIn(): void {
    const player = this.#player;
    if (!player || !this.#assistantPlaying) return;
    const { itemId, playedMs } = player.flush();
    this.#assistantPlaying = false;
    this.#store.assistantLevel.value = 0;
    if (itemId === null) return;
    // With server VAD and interrupt_response the service cancels the response itself.
    const serverCancels = this.#turnDetection !== null &&
      this.#turnDetection.interrupt_response !== false;
    if (this.#activeResponse !== null && !serverCancels) {
      this.#relay?.send({ type: "response.cancel" });
    }
    const audioEndMs = truncateEndMs(
      playedMs,
      player.outputLatencyMs,
      this.#receivedMs.get(itemId) ?? 0,
    );
    this.#counters.bargeIn(audioEndMs);
    this.#relay?.send({
      type: "conversation.item.truncate",
      item_id: itemId,
      content_index: 0,
      audio_end_ms: audioEndMs,
    });
  }

  /** Switches between server VAD and push-to-talk (turn detection `null`). */
  setPushToTalk(on: boolean): void {
    this.#ptt.setEnabled(on);
    this.#userSpeaking = false;
    this.#sendTurnDetection();
    this.#publish();
  }

  #sendTurnDetection(): void {
    this.#relay?.send({
      type: "session.update",
      session: {
        type: "realtime",
        audio: { input: { turn_detection: this.#ptt.enabled ? null : COACH_TURN_DETECTION } },
      },
    });
  }

  /**
   * Turns the browser's audio processing off (or on) for the next start: what reaches the
   * coach is then the microphone's own signal, for checking a device or the pipeline.
   */
  setRawInput(on: boolean): void {
    this.#rawInput = on;
    this.#publish();
  }

  /** Push-to-talk pressed: interrupt the assistant, start a fresh buffer. */
  talkStart(): void {
    if (!this.#sessionReady || !this.#ptt.enabled || this.#ptt.held) return;
    if (this.#assistantPlaying) this.#bargeIn();
    else if (this.#activeResponse !== null) this.#relay?.send({ type: "response.cancel" });
    this.#relay?.send({ type: "input_audio_buffer.clear" });
    this.#ptt.press();
    this.#publish();
  }

  /** Push-to-talk released: commit and ask for a response. */
  talkEnd(): void {
    const release = this.#ptt.release();
    if (release.type === "too-short") {
      this.#notify({ type: "hold-longer", heldMs: release.heldMs, minMs: release.minMs });
    } else if (release.type === "commit") {
      this.#counters.commit(this.#turnDetection !== null);
      this.#relay?.send({ type: "input_audio_buffer.commit" });
      this.#relay?.send({ type: "response.create" });
    }
    this.#publish();
  }

  #onTrackEnded(): void {
    this.#notify({ type: "mic-ended" });
    this.chooseInput("");
  }

  /** Hot-swaps the microphone (empty id: the browser's default). */
  async chooseInput(deviceId: string): Promise<void> {
    try {
      await this.#devices.chooseInput(deviceId);
    } catch (error) {
      this.#notify({ type: "mic-switch-failed", reason: describeMicrophoneError(error) });
    }
  }

  /** Plays the assistant through another output device, where the browser allows it. */
  async chooseOutput(deviceId: string): Promise<void> {
    this.#devices.chooseOutput(deviceId);
    try {
      await this.#player?.setSinkId(deviceId);
    } catch (error) {
      this.#notify({ type: "output-failed", message: (error as Error).message });
    }
  }
}
