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
 * The conversation outlives sockets: the latest `relay.conversation` (resume.ts) goes with
 * every reconnect's ticket and with a Start after Stop, the transcript keeps every turn in
 * order, and a turn cut by Stop, a drop or a barge-in ends with a clear mark. Frames go only
 * while they can arrive (connected, not muted, push-to-talk held): during an outage the
 * microphone pauses instead of filling a queue that would be thrown away.
 *
 * The parts: devices.ts (pickers, fallback, permission), diagnostics.ts (wire figures and
 * checks), latency.ts (answer times), notices.ts (what to tell the user), page_life.ts (wake
 * lock, page hidden or left), push_to_talk.ts, resume.ts, transcript_events.ts,
 * voice_state.ts, and voice_store.ts (the signals).
 *
 * @module
 */
import { bytesToMs } from "@/lib/shared/audio_format.ts";
import { decodeBase64 } from "@/lib/shared/base64.ts";
import { COACH_TURN_DETECTION, MAX_TYPED_TEXT_CHARS } from "@/lib/shared/coach_session.ts";
import type { ServerEvent } from "@/lib/shared/realtime/mod.ts";
import type { Delivery } from "@/lib/shared/delivery.ts";
import { summarizeSession } from "@/lib/shared/delivery_summary.ts";
import { truncateEndMs } from "./barge_in.ts";
import { DeviceWatcher } from "./devices.ts";
import { collectDiagnostics, sameDiagnostics, WireCounters } from "./diagnostics.ts";
import { describeMicrophoneError, MicCapture } from "./mic_capture.ts";
import { LatencyTracker, sameLatency } from "./latency.ts";
import {
  autoHideMs,
  isBlocking,
  isSecure,
  missingFeatures,
  type Notice,
  NoticeBoard,
  startFailure,
} from "./notices.ts";
import { Player } from "./player.ts";
import { ScreenWake, watchPageLife } from "./page_life.ts";
import type { Disconnect } from "./reconnect.ts";
import {
  ACCESS_REQUIRED,
  BUDGET_CLOSE_CODE,
  BUDGET_EXHAUSTED,
  type ConversationNote,
  nextUtcMidnight,
  readRelayEvent,
} from "./relay_events.ts";
import { PushToTalk } from "./push_to_talk.ts";
import { type ConnectionState, RelayClient, type RetryInfo } from "./relay_client.ts";
import { ConversationMemory } from "./resume.ts";
import { Transcript } from "./transcript.ts";
import { applyTranscriptEvent, NOT_TRANSCRIBED } from "./transcript_events.ts";
import { type DeliveryTurn, DeliveryTurns } from "./delivery_turns.ts";
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
  /**
   * Where the conversation's resume token is kept.
   * @default {a ConversationMemory on the tab's sessionStorage}
   */
  memory?: ConversationMemory;
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
  /** Counts the reconnect banner's seconds down. */
  #countdown: ReturnType<typeof setInterval> | null = null;
  #abort: AbortController | null = null;
  #memory: ConversationMemory;
  #latency = new LatencyTracker();
  #muted = false;
  /** The session transcribes the user's speech (from `session.updated`). */
  #transcribing = true;
  /** The conversation a ticket asked to go on with, until its `relay.conversation`. */
  #expectResume: string | null = null;
  /** The server refused the resume token: the next conversation is a new one. */
  #resumeRefused = false;
  #wake = new ScreenWake();
  /** The page was left with a session running: start again when it comes back. */
  #resumeOnShow = false;
  /** Measures each user turn from the audio sent (the delivery cards). */
  #turns = new DeliveryTurns({ onTurn: (turn) => this.#onTurnMeasured(turn) });
  /** The measured turns of the session under way (for the summary at Stop). */
  #sessionTurns: Delivery[] = [];

  //#region Construction and what the page shows
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
    this.#memory = options.memory ?? new ConversationMemory();
    this.#store.conversationId.value = this.#memory.current?.conversationId ?? null;
    const missing = missingFeatures();
    if (missing.length > 0) {
      this.#notices.show({ type: "unsupported", missing, insecure: !isSecure() });
    }
    watchPageLife({
      onHide: () => {
        if (!this.#running) return;
        // Leaving (or frozen): close cleanly (1000); the token brings the conversation back.
        this.#resumeOnShow = true;
        void this.stop();
      },
      onShow: () => {
        if (!this.#resumeOnShow) return;
        this.#resumeOnShow = false;
        void this.start();
      },
      onVisible: () => void this.#wake.visible(),
      onFirstGesture: () => this.#unlockAudio(),
    });
    this.#store.ready.value = true;
  }

  /** In the first tap: create and resume the audio context, as phones allow only then. */
  #unlockAudio(): void {
    if (missingFeatures().length > 0) return;
    try {
      this.#ctx ??= new AudioContext({ latencyHint: "interactive" });
      void this.#ctx.resume().catch(() => {});
    } catch {
      // No audio yet: start() says why.
    }
  }

  /** Whether captured frames go to the coach now. */
  #micSending(): boolean {
    return this.#running && this.#connection === "open" && !this.#muted &&
      (!this.#ptt.enabled || this.#ptt.held);
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
      muted: this.#muted,
    }, sameControls);
    publish(store.micSending, this.#micSending());
  }

  #publishLatency(): void {
    publish(this.#store.latency, this.#latency.view, sameLatency);
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

  //#endregion

  //#region A session: start, stop, frames out
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
    this.#latency = new LatencyTracker();
    this.#publishLatency();
    this.#sessionTurns = [];
    this.#store.summary.value = null;
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
          if (this.#latency.audible(performance.now())) this.#publishLatency();
          this.#publish();
        },
        onDrained: () => {
          this.#assistantPlaying = false;
          store.assistantLevel.value = 0;
          this.#publish();
        },
        // Only while heard: a level reported just before a flush must not light the meter.
        onLevel: (rms) => store.assistantLevel.value = this.#assistantPlaying ? rms : 0,
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
      let notice = startFailure(error, describeMicrophoneError);
      if (notice.type === "start-failed" && !(await reachable(this.#options.baseUrl))) {
        notice = { type: "server-unreachable" };
      }
      await this.stop();
      this.#notify(notice);
      if (notice.type === "mic-blocked") this.#devices.setPermission("denied");
      return;
    }
    this.#relay = new RelayClient({
      baseUrl: this.#options.baseUrl,
      onEvent: (event) => this.#onEvent(event),
      onState: (state, detail, cause) => this.#onConnection(state, detail, cause),
      onRetry: (info) => this.#onRetry(info),
      resumeToken: () => {
        const current = this.#memory.current;
        this.#expectResume = current?.conversationId ?? null;
        return current?.resumeToken ?? null;
      },
      onResumeRefused: () => {
        this.#memory.forget();
        this.#expectResume = null;
        this.#resumeRefused = true;
      },
    });
    this.#relay.start();
    void this.#wake.acquire();
    this.#statsTimer = setInterval(
      () => this.#publishDiagnostics(),
      this.#options.diagnosticsIntervalMs ?? 250,
    );
    this.#publish();
  }

  /**
   * Ends the session and releases the microphone. The transcript and the conversation stay:
   * a Start within the resume token's life goes on with them.
   */
  async stop(): Promise<void> {
    const wasRunning = this.#running;
    this.#running = false;
    void this.#wake.release();
    if (wasRunning) this.#endTurns("stopped");
    this.#abort?.abort();
    this.#relay?.stop();
    this.#relay = null;
    this.#capture?.stop();
    this.#capture = null;
    this.#player?.close();
    this.#player = null;
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    this.#stopCountdown();
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
    this.#connection = "idle";
    this.#notices.dismiss("reconnecting");
    if (wasRunning && this.#sessionTurns.length > 0) {
      this.#store.summary.value = summarizeSession(this.#sessionTurns);
    }
    this.#publish();
    // Diagnostics start afresh: no figure of the stopped session stays (frames, barge-ins).
    this.#counters = new WireCounters();
    this.#publishDiagnostics();
  }

  /** Ends every turn still streaming (`stopped` by the user, `truncated` by a drop). */
  #endTurns(status: "stopped" | "truncated"): void {
    this.#latency.abandon();
    this.#transcript.endStreaming(status, NOT_TRANSCRIBED);
    publishTranscript(this.#store.transcript, this.#transcript.entries);
  }

  #onFrame(frame: Uint8Array, capturedAt: number): void {
    this.#counters.frame(frame.length);
    // Push-to-talk: audio goes only while the key or button is held.
    const held = this.#ptt.frame();
    // Muted, or the connection is down: the microphone pauses (nothing queued to go stale).
    if (held && !this.#muted && this.#connection === "open" && this.#relay) {
      this.#relay.sendAudioFrame(frame, capturedAt);
      this.#turns.frameSent(frame);
    }
  }

  //#endregion

  //#region The connection: retries, the banner, ending for good
  /** A retry waits: say why, when, and that the microphone pauses meanwhile. */
  #onRetry(info: RetryInfo): void {
    this.#stopCountdown();
    const retryAt = performance.now() + info.delayMs;
    const show = () => {
      const seconds = Math.max(0, Math.ceil((retryAt - performance.now()) / 1000));
      this.#notify({
        type: "reconnecting",
        attempt: info.attempt,
        seconds,
        unreachable: info.neverOpened && info.cause.type === "network",
      });
      if (seconds === 0) this.#stopCountdown();
    };
    show();
    // The banner counts down each second, to "trying again now".
    this.#countdown = setInterval(show, 1000);
  }

  #stopCountdown(): void {
    if (this.#countdown !== null) clearInterval(this.#countdown);
    this.#countdown = null;
  }

  /** "Retry now" in the reconnect banner: skip the wait. */
  retryNow(): void {
    if (!this.#relay?.retryNow()) return;
    this.#stopCountdown();
    const current = this.#notices.current;
    if (current?.type === "reconnecting") this.#notify({ ...current, seconds: 0 });
  }

  #onConnection(state: ConnectionState, detail?: string, cause?: Disconnect): void {
    this.#connection = state;
    if (state === "reconnecting") {
      this.#sessionReady = false;
      this.#userSpeaking = false;
      this.#activeResponse = null;
      if (this.#assistantPlaying) this.#player?.flush();
      this.#assistantPlaying = false;
      this.#store.assistantLevel.value = 0;
      this.#relay?.clearQueue();
      this.#endTurns("truncated");
    } else if (state === "failed") {
      this.#stopCountdown();
      if (this.#endedForGood(cause)) return;
      this.#notify({ type: "session-ended", reason: detail ?? null });
    } else if (state === "open") {
      // A new upstream session: its input audio clock starts at zero.
      this.#turns.reset();
      this.#stopCountdown();
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

  //#endregion

  //#region Server events: state, transcript, audio, the conversation
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
    if (note?.type === "conversation") return this.#onConversation(note.conversation);
    if (event.type === "session.created") this.#transcript.newSession();
    const transcriptOptions = { transcribing: this.#transcribing };
    if (applyTranscriptEvent(this.#transcript, event, transcriptOptions)) {
      publishTranscript(this.#store.transcript, this.#transcript.entries);
    }
    switch (event.type) {
      case "session.updated": {
        this.#sessionReady = true;
        const session = event.session as {
          audio?: { input?: { turn_detection?: unknown; transcription?: unknown } };
        };
        const td = session.audio?.input?.turn_detection;
        if (td !== undefined) this.#turnDetection = td as TurnDetectionState;
        const transcription = session.audio?.input?.transcription;
        if (transcription !== undefined) this.#transcribing = transcription !== null;
        // Push-to-talk chosen before (re)connecting: the server configured VAD, switch it off.
        if (this.#ptt.enabled && this.#turnDetection !== null) this.#sendTurnDetection();
        break;
      }
      case "input_audio_buffer.speech_started":
        this.#userSpeaking = true;
        this.#turns.speechStarted(event.item_id, event.audio_start_ms);
        this.#bargeIn();
        break;
      case "input_audio_buffer.speech_stopped":
        this.#latency.turnEnded(performance.now());
        this.#userSpeaking = false;
        this.#turns.speechStopped(event.item_id, event.audio_end_ms);
        break;
      case "input_audio_buffer.committed":
        this.#userSpeaking = false;
        this.#turns.committed(event.item_id);
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
        if (this.#latency.firstAudio(performance.now())) this.#publishLatency();
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

  /** A `relay.conversation`: keep its token, and say whether the coach remembers. */
  /** A user turn was measured: its card shows under its bubble, and it counts in the summary. */
  #onTurnMeasured({ itemId, delivery }: DeliveryTurn): void {
    const deliveries = new Map(this.#store.deliveries.peek());
    deliveries.set(itemId, delivery);
    this.#store.deliveries.value = deliveries;
    this.#sessionTurns.push(delivery);
  }

  #onConversation(conversation: ConversationNote): void {
    // After a rollover the new upstream session's audio clock starts at zero. (Frames the relay
    // held during the switch were counted before this: the first turn after it can be off by
    // the switch's length.)
    if (conversation.rollover) this.#turns.reset();
    this.#memory.remember(conversation);
    this.#store.conversationId.value = conversation.conversationId;
    if (!conversation.rollover) {
      if (this.#expectResume === conversation.conversationId) this.#notify({ type: "resumed" });
      else if (this.#resumeRefused) this.#notify({ type: "new-conversation" });
    }
    this.#expectResume = null;
    this.#resumeRefused = false;
  }

  //#endregion

  //#region Turns: barge-in, push-to-talk, typing, mute
  /**
   * The user talks over the assistant: stop playback now and tell the service what was heard.
   * `typed`: a typed message interrupts, which the service's VAD does not see (so cancel).
   */
  #bargeIn(typed = false): void {
    const player = this.#player;
    if (!player || !this.#assistantPlaying) return;
    const { itemId, playedMs } = player.flush();
    this.#assistantPlaying = false;
    this.#store.assistantLevel.value = 0;
    if (itemId === null) return;
    // With server VAD and interrupt_response the service cancels the response itself.
    const serverCancels = !typed && this.#turnDetection !== null &&
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
    this.#turns.cleared();
    this.#ptt.press();
    this.#publish();
  }

  /** Push-to-talk released: commit and ask for a response. */
  talkEnd(): void {
    const release = this.#ptt.release();
    if (release.type === "too-short") {
      this.#notify({ type: "hold-longer", heldMs: release.heldMs, minMs: release.minMs });
    } else if (release.type === "commit") {
      this.#latency.turnEnded(performance.now());
      this.#counters.commit(this.#turnDetection !== null);
      this.#relay?.send({ type: "input_audio_buffer.commit" });
      this.#relay?.send({ type: "response.create" });
    }
    this.#publish();
  }

  /**
   * Sends a typed message as the user's turn and asks for an answer; false when it cannot go
   * (no session yet, empty, or longer than {@linkcode MAX_TYPED_TEXT_CHARS}).
   */
  sendText(text: string): boolean {
    const message = text.trim();
    if (!this.#sessionReady || this.#connection !== "open") return false;
    if (message === "" || message.length > MAX_TYPED_TEXT_CHARS) return false;
    if (this.#assistantPlaying) this.#bargeIn(true);
    else if (this.#activeResponse !== null) this.#relay?.send({ type: "response.cancel" });
    const sent = this.#relay?.send({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text: message }] },
    }) ?? false;
    if (!sent) return false;
    this.#relay?.send({ type: "response.create" });
    this.#latency.turnEnded(performance.now());
    this.#publish();
    return true;
  }

  /** Mutes (or unmutes) the microphone: the session stays, no frames are sent. */
  setMuted(on: boolean): void {
    this.#muted = on;
    this.#publish();
  }

  //#endregion

  //#region Devices
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
  //#endregion
}

/** Whether the server answers at all (any HTTP answer); false on a network error. */
async function reachable(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(new URL("/healthz", baseUrl), { cache: "no-store" });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
