/**
 * The voice session behind the island: microphone → relay → speaker, barge-in, push-to-talk,
 * devices and diagnostics. The island renders {@linkcode VoiceSnapshot}s and calls the
 * methods; everything that talks to Web Audio, the network or the devices lives here.
 *
 * Flow: `start()` (a user gesture) creates or resumes the AudioContext at the device's own
 * rate, opens the player and the microphone, and connects the relay. Each 960-byte frame from
 * the capture worklet goes to {@linkcode RelayClient.sendAudioFrame} at once. Server events
 * drive the state, the transcript and the player. When the user starts speaking while the
 * assistant is heard, playback is flushed and the heard part of the item is truncated.
 *
 * @module
 */
import { FRAME_BYTES, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { decodeBase64 } from "@/lib/shared/base64.ts";
import { COACH_TURN_DETECTION } from "@/lib/shared/coach_session.ts";
import type { ServerEvent } from "@/lib/shared/realtime/mod.ts";
import { truncateEndMs } from "./barge_in.ts";
import { describeMicrophoneError, MicCapture } from "./mic_capture.ts";
import { Player } from "./player.ts";
import { type ConnectionState, RelayClient } from "./relay_client.ts";
import { Transcript, type TranscriptEntry } from "./transcript.ts";

export type VoiceState =
  | "off"
  | "connecting"
  | "listening"
  | "user-speaking"
  | "assistant-speaking"
  | "reconnecting"
  | "error";

export type BannerKind = "mic-blocked" | "unsupported" | "error" | "reconnecting" | "failed";

export interface Banner {
  kind: BannerKind;
  message: string;
  /** Steps the user can take, shown as a list. */
  steps?: string[];
  /** Whether a Retry button makes sense. */
  retry?: boolean;
}

export interface DeviceChoice {
  deviceId: string;
  label: string;
}

export interface Diagnostics {
  inputRate: number | null;
  wireRate: number;
  outputRate: number | null;
  lastFrameBytes: number | null;
  framesCaptured: number;
  framesSent: number;
  framesDropped: number;
  queueDepth: number;
  sendGapP95Ms: number | null;
  captureToSendP95Ms: number | null;
  jitterDepthMs: number;
  preRollMs: number;
  underruns: number;
  outputLatencyMs: number;
  commitsUnderVad: number;
  bargeIns: number;
  lastTruncateMs: number | null;
}

export interface Check {
  label: string;
  ok: boolean | null;
  detail: string;
}

export interface VoiceSnapshot {
  state: VoiceState;
  banner: Banner | null;
  micLevel: number;
  assistantLevel: number;
  transcript: readonly TranscriptEntry[];
  pushToTalk: boolean;
  talking: boolean;
  /** Browser audio processing (echo cancellation, noise suppression, gain control) is off. */
  rawInput: boolean;
  permission: PermissionState | "unknown";
  deviceLabel: string;
  inputDevices: DeviceChoice[];
  inputDeviceId: string;
  outputDevices: DeviceChoice[];
  outputDeviceId: string;
  canChooseOutput: boolean;
  diagnostics: Diagnostics;
  checks: Check[];
}

export interface VoiceControllerOptions {
  /** Page origin (`location.origin`). */
  baseUrl: string;
  captureWorkletUrl: string;
  playbackWorkletUrl: string;
  /** The `<audio>` element assistant audio plays through (so echo cancellation hears it). */
  audioElement?: HTMLAudioElement;
  /** Called (coalesced to one per animation frame) whenever the snapshot changes. */
  onChange(snapshot: VoiceSnapshot): void;
}

type TurnDetectionState = { type: string; interrupt_response?: boolean } | null;

/** Push-to-talk needs this much audio before a commit (the service's floor). */
const MIN_COMMIT_MS = 100;

/** Whether this browser has what the app needs; the missing parts otherwise. */
export function missingFeatures(): string[] {
  const missing: string[] = [];
  if (typeof AudioContext === "undefined") missing.push("Web Audio (AudioContext)");
  if (typeof AudioWorkletNode === "undefined") missing.push("AudioWorklet");
  if (!navigator.mediaDevices?.getUserMedia) missing.push("microphone access (getUserMedia)");
  if (typeof WebSocket === "undefined") missing.push("WebSocket");
  return missing;
}

function micBlockedSteps(): string[] {
  return [
    "Click the lock or tune icon at the left of the address bar.",
    "Set Microphone to Allow for this site.",
    "Press Retry below (or reload the page).",
  ];
}

export class VoiceController {
  #options: VoiceControllerOptions;
  #running = false;
  #ctx: AudioContext | null = null;
  #capture: MicCapture | null = null;
  #player: Player | null = null;
  #relay: RelayClient | null = null;
  #transcript = new Transcript();
  #connection: ConnectionState = "idle";
  #sessionReady = false;
  #userSpeaking = false;
  #assistantPlaying = false;
  #banner: Banner | null = null;
  #bannerTimer: ReturnType<typeof setTimeout> | null = null;
  #micLevel = 0;
  #assistantLevel = 0;
  #pushToTalk = false;
  #rawInput = false;
  #talking = false;
  #talkSentMs = 0;
  #turnDetection: TurnDetectionState = COACH_TURN_DETECTION;
  #activeResponse: string | null = null;
  #itemResponse = new Map<string, string>();
  #receivedMs = new Map<string, number>();
  #permission: PermissionState | "unknown" = "unknown";
  #inputDevices: DeviceChoice[] = [];
  #outputDevices: DeviceChoice[] = [];
  #inputDeviceId = "";
  #outputDeviceId = "";
  #framesCaptured = 0;
  #lastFrameBytes: number | null = null;
  #badFrames = 0;
  #commitsUnderVad = 0;
  #bargeIns = 0;
  #lastTruncateMs: number | null = null;
  #scheduled = false;
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  #abort: AbortController | null = null;

  constructor(options: VoiceControllerOptions) {
    this.#options = options;
    this.#watchPermission();
    const missing = missingFeatures();
    if (missing.length > 0) {
      this.#banner = {
        kind: "unsupported",
        message: `This browser cannot run the voice coach: it lacks ${missing.join(", ")}.`,
        steps: ["Use a current Chrome, Edge, Firefox or Safari."],
      };
    }
  }

  get running(): boolean {
    return this.#running;
  }

  snapshot(): VoiceSnapshot {
    const player = this.#player;
    const stats = this.#relay?.stats;
    const diagnostics: Diagnostics = {
      inputRate: this.#capture?.inputRate ?? this.#ctx?.sampleRate ?? null,
      wireRate: WIRE_SAMPLE_RATE,
      outputRate: player?.sampleRate ?? null,
      lastFrameBytes: this.#lastFrameBytes,
      framesCaptured: this.#framesCaptured,
      framesSent: stats?.framesSent ?? 0,
      framesDropped: stats?.framesDropped ?? 0,
      queueDepth: stats?.queueDepth ?? 0,
      sendGapP95Ms: stats?.sendGapP95Ms ?? null,
      captureToSendP95Ms: stats?.captureToSendP95Ms ?? null,
      jitterDepthMs: player?.depthMs ?? 0,
      preRollMs: player?.preRollMs ?? 0,
      underruns: player?.underruns ?? 0,
      outputLatencyMs: player?.outputLatencyMs ?? 0,
      commitsUnderVad: this.#commitsUnderVad,
      bargeIns: this.#bargeIns,
      lastTruncateMs: this.#lastTruncateMs,
    };
    return {
      state: this.#state(),
      banner: this.#banner,
      micLevel: this.#micLevel,
      assistantLevel: this.#assistantLevel,
      transcript: [...this.#transcript.entries],
      pushToTalk: this.#pushToTalk,
      talking: this.#talking,
      rawInput: this.#rawInput,
      permission: this.#permission,
      deviceLabel: this.#capture?.deviceLabel ?? "",
      inputDevices: this.#inputDevices,
      inputDeviceId: this.#inputDeviceId,
      outputDevices: this.#outputDevices,
      outputDeviceId: this.#outputDeviceId,
      canChooseOutput: typeof (HTMLMediaElement.prototype as { setSinkId?: unknown }).setSinkId ===
        "function",
      diagnostics,
      checks: this.#checks(diagnostics),
    };
  }

  #state(): VoiceState {
    if (!this.#running) {
      return this.#banner?.kind === "mic-blocked" || this.#banner?.kind === "unsupported" ||
          this.#banner?.kind === "failed"
        ? "error"
        : "off";
    }
    if (this.#connection === "failed") return "error";
    if (this.#connection === "reconnecting") return "reconnecting";
    if (!this.#sessionReady) return "connecting";
    if (this.#userSpeaking || this.#talking) return "user-speaking";
    if (this.#assistantPlaying) return "assistant-speaking";
    return "listening";
  }

  #checks(d: Diagnostics): Check[] {
    const framesSeen = this.#framesCaptured > 0;
    return [
      {
        label: "Frames are 20 ms of 24 kHz mono PCM16 (960 bytes)",
        ok: framesSeen ? this.#badFrames === 0 : null,
        detail: framesSeen ? `${this.#badFrames} frames of another size` : "no frames yet",
      },
      {
        label: "Audio goes as JSON text with base64 (no binary frames)",
        ok: d.framesSent > 0 ? true : null,
        detail: `${d.framesSent} appends sent`,
      },
      {
        label: "No commit while server VAD is on",
        ok: this.#commitsUnderVad === 0,
        detail: `${this.#commitsUnderVad} commits under VAD`,
      },
      {
        label: "Steady 20 ms cadence (send gap p95 ≤ 40 ms)",
        ok: d.sendGapP95Ms === null ? null : d.sendGapP95Ms <= 40,
        detail: d.sendGapP95Ms === null
          ? "not measured yet"
          : `p95 ${d.sendGapP95Ms.toFixed(1)} ms`,
      },
      {
        label: "No frames dropped",
        ok: framesSeen ? d.framesDropped === 0 : null,
        detail: `${d.framesDropped} dropped`,
      },
    ];
  }

  /** Schedules one `onChange` per animation frame at most. */
  #changed(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#options.onChange(this.snapshot());
    };
    if (typeof requestAnimationFrame === "function" && document.visibilityState === "visible") {
      requestAnimationFrame(run);
    } else {
      setTimeout(run, 16);
    }
  }

  #showBanner(banner: Banner | null, autoHideMs?: number): void {
    if (this.#bannerTimer) clearTimeout(this.#bannerTimer);
    this.#bannerTimer = null;
    this.#banner = banner;
    if (banner && autoHideMs) {
      this.#bannerTimer = setTimeout(() => {
        if (this.#banner === banner) this.#showBanner(null);
      }, autoHideMs);
    }
    this.#changed();
  }

  async #watchPermission(): Promise<void> {
    try {
      const status = await navigator.permissions.query({ name: "microphone" as PermissionName });
      this.#permission = status.state;
      status.addEventListener("change", () => {
        this.#permission = status.state;
        this.#changed();
      });
      this.#changed();
    } catch {
      // Not every browser can query the microphone permission.
    }
  }

  /** Starts a session: call from the power button's click (a user gesture). */
  async start(): Promise<void> {
    if (this.#running) return;
    if (missingFeatures().length > 0) return this.#changed();
    this.#running = true;
    this.#sessionReady = false;
    this.#showBanner(null);
    const abort = new AbortController();
    this.#abort = abort;
    try {
      // The device's own rate: a requested 24 kHz context breaks capture in Firefox.
      this.#ctx ??= new AudioContext({ latencyHint: "interactive" });
      await this.#ctx.resume();
      this.#player = await Player.create(this.#ctx, {
        workletUrl: this.#options.playbackWorkletUrl,
        sinkElement: this.#options.audioElement,
        onStarted: () => {
          this.#assistantPlaying = true;
          this.#changed();
        },
        onDrained: () => {
          this.#assistantPlaying = false;
          this.#assistantLevel = 0;
          this.#changed();
        },
        onUnderrun: () => this.#changed(),
        onLevel: (rms) => {
          this.#assistantLevel = rms;
          this.#changed();
        },
      });
      this.#capture = await MicCapture.start(this.#ctx, {
        workletUrl: this.#options.captureWorkletUrl,
        deviceId: this.#inputDeviceId || undefined,
        signal: abort.signal,
        onFrame: (frame, info) => this.#onFrame(frame, info.capturedAt),
        onLevel: (rms) => {
          this.#micLevel = rms;
          this.#changed();
        },
        onEnded: () => this.#onTrackEnded(),
        constraints: this.#rawInput
          ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
          : undefined,
        onError: (error) => this.#showBanner({ kind: "error", message: error.message }),
      });
      this.#permission = "granted";
      await this.#refreshDevices();
      navigator.mediaDevices.addEventListener("devicechange", this.#onDeviceChange);
    } catch (error) {
      const blocked = (error as Error)?.cause instanceof DOMException &&
        ((error as Error).cause as DOMException).name === "NotAllowedError";
      await this.stop();
      this.#showBanner(
        blocked
          ? {
            kind: "mic-blocked",
            message: "The microphone is blocked, so the coach cannot hear you.",
            steps: micBlockedSteps(),
            retry: true,
          }
          : { kind: "failed", message: describeMicrophoneError(error), retry: true },
      );
      if (blocked) this.#permission = "denied";
      return;
    }
    this.#relay = new RelayClient({
      baseUrl: this.#options.baseUrl,
      onEvent: (event) => this.#onEvent(event),
      onState: (state, detail) => this.#onConnection(state, detail),
    });
    this.#relay.start();
    this.#statsTimer = setInterval(() => this.#changed(), 250);
    this.#changed();
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
    navigator.mediaDevices?.removeEventListener("devicechange", this.#onDeviceChange);
    const ctx = this.#ctx;
    this.#ctx = null;
    await ctx?.close().catch(() => {});
    this.#sessionReady = false;
    this.#userSpeaking = false;
    this.#assistantPlaying = false;
    this.#talking = false;
    this.#micLevel = 0;
    this.#assistantLevel = 0;
    this.#activeResponse = null;
    if (this.#banner?.kind === "reconnecting") this.#banner = null;
    this.#changed();
  }

  #onFrame(frame: Uint8Array, capturedAt: number): void {
    this.#framesCaptured++;
    this.#lastFrameBytes = frame.length;
    if (frame.length !== FRAME_BYTES) this.#badFrames++;
    // Push-to-talk: audio goes only while the key or button is held.
    if (this.#pushToTalk && !this.#talking) return;
    if (this.#talking) this.#talkSentMs += 20;
    this.#relay?.sendAudioFrame(frame, capturedAt);
  }

  #onConnection(state: ConnectionState, detail?: string): void {
    this.#connection = state;
    if (state === "reconnecting") {
      this.#sessionReady = false;
      this.#userSpeaking = false;
      this.#activeResponse = null;
      if (this.#assistantPlaying) this.#player?.flush();
      this.#showBanner({
        kind: "reconnecting",
        message: `Connection lost. Reconnecting… (${detail ?? ""})`,
      });
    } else if (state === "failed") {
      this.#showBanner({
        kind: "failed",
        message: `The session ended: ${detail ?? "unknown reason"}.`,
        retry: true,
      });
    } else if (state === "open" && this.#banner?.kind === "reconnecting") {
      this.#showBanner(null);
    }
    this.#changed();
  }

  #onEvent(event: ServerEvent): void {
    switch (event.type) {
      case "session.updated": {
        this.#sessionReady = true;
        const session = event.session as { audio?: { input?: { turn_detection?: unknown } } };
        const td = session.audio?.input?.turn_detection;
        if (td !== undefined) this.#turnDetection = td as TurnDetectionState;
        // Push-to-talk chosen before (re)connecting: the server configured VAD, switch it off.
        if (this.#pushToTalk && this.#turnDetection !== null) this.#sendTurnDetection();
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
      case "conversation.item.added": {
        const item = event.item as { id: string; role?: string; type: string };
        if (item.type === "message" && (item.role === "user" || item.role === "assistant")) {
          this.#transcript.add(item.id, item.role, event.previous_item_id ?? null);
        }
        break;
      }
      case "conversation.item.input_audio_transcription.delta":
        this.#transcript.append(event.item_id, "user", event.delta);
        break;
      case "conversation.item.input_audio_transcription.completed":
        this.#transcript.finish(event.item_id, "user", event.transcript);
        break;
      case "conversation.item.input_audio_transcription.failed":
        this.#transcript.finish(event.item_id, "user", "(speech not transcribed)", "unavailable");
        break;
      case "response.created":
        this.#activeResponse = event.response.id;
        break;
      case "response.done":
        if (this.#activeResponse === event.response.id) this.#activeResponse = null;
        break;
      case "response.output_audio.delta": {
        this.#itemResponse.set(event.item_id, event.response_id);
        const bytes = decodeBase64(event.delta);
        this.#receivedMs.set(
          event.item_id,
          (this.#receivedMs.get(event.item_id) ?? 0) + bytes.length / 48,
        );
        this.#player?.enqueue(event.item_id, bytes);
        break;
      }
      case "response.output_audio.done":
        this.#player?.endItem(event.item_id);
        break;
      case "response.output_audio_transcript.delta":
        this.#transcript.append(event.item_id, "assistant", event.delta);
        break;
      case "response.output_audio_transcript.done":
        this.#transcript.finish(event.item_id, "assistant", event.transcript);
        break;
      case "conversation.item.truncated":
        this.#transcript.finish(event.item_id, "assistant", null, "truncated");
        break;
      case "error":
        this.#showBanner({ kind: "error", message: event.error.message }, 8000);
        break;
      default:
        break;
    }
    this.#changed();
  }

  /** The user talks over the assistant: stop playback now and tell the service what was heard. */
  #bargeIn(): void {
    const player = this.#player;
    if (!player || !this.#assistantPlaying) return;
    const { itemId, playedMs } = player.flush();
    this.#assistantPlaying = false;
    this.#assistantLevel = 0;
    if (itemId === null) return;
    this.#bargeIns++;
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
    this.#lastTruncateMs = audioEndMs;
    this.#relay?.send({
      type: "conversation.item.truncate",
      item_id: itemId,
      content_index: 0,
      audio_end_ms: audioEndMs,
    });
  }

  /** Switches between server VAD and push-to-talk (turn detection `null`). */
  setPushToTalk(on: boolean): void {
    this.#pushToTalk = on;
    this.#talking = false;
    this.#userSpeaking = false;
    this.#sendTurnDetection();
    this.#changed();
  }

  #sendTurnDetection(): void {
    this.#relay?.send({
      type: "session.update",
      session: {
        type: "realtime",
        audio: { input: { turn_detection: this.#pushToTalk ? null : COACH_TURN_DETECTION } },
      },
    });
  }

  /**
   * Turns the browser's audio processing off (or on) for the next start: what reaches the
   * coach is then the microphone's own signal, for checking a device or the pipeline.
   */
  setRawInput(on: boolean): void {
    this.#rawInput = on;
    this.#changed();
  }

  /** Push-to-talk pressed: interrupt the assistant, start a fresh buffer. */
  talkStart(): void {
    if (!this.#pushToTalk || this.#talking || !this.#sessionReady) return;
    if (this.#assistantPlaying) this.#bargeIn();
    else if (this.#activeResponse !== null) this.#relay?.send({ type: "response.cancel" });
    this.#relay?.send({ type: "input_audio_buffer.clear" });
    this.#talking = true;
    this.#talkSentMs = 0;
    this.#changed();
  }

  /** Push-to-talk released: commit and ask for a response. */
  talkEnd(): void {
    if (!this.#talking) return;
    this.#talking = false;
    if (this.#talkSentMs < MIN_COMMIT_MS) {
      this.#showBanner({
        kind: "error",
        message: "Hold the button a little longer while you speak.",
      }, 4000);
      return;
    }
    if (this.#turnDetection !== null) this.#commitsUnderVad++;
    this.#relay?.send({ type: "input_audio_buffer.commit" });
    this.#relay?.send({ type: "response.create" });
    this.#changed();
  }

  readonly #onDeviceChange = () => {
    this.#refreshDevices();
  };

  async #refreshDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const choice = (d: MediaDeviceInfo, i: number) => ({
      deviceId: d.deviceId,
      label: d.label || `${d.kind === "audioinput" ? "Microphone" : "Speaker"} ${i + 1}`,
    });
    this.#inputDevices = devices.filter((d) => d.kind === "audioinput").map(choice);
    this.#outputDevices = devices.filter((d) => d.kind === "audiooutput").map(choice);
    const current = this.#capture?.track.getSettings().deviceId;
    if (current) this.#inputDeviceId = current;
    // The device in use went away: fall back to the default one.
    if (
      this.#capture && this.#inputDeviceId &&
      !this.#inputDevices.some((d) => d.deviceId === this.#inputDeviceId)
    ) {
      await this.chooseInput("");
    }
    this.#changed();
  }

  #onTrackEnded(): void {
    this.#showBanner({
      kind: "error",
      message: "The microphone stopped; switching to another one…",
    }, 5000);
    this.chooseInput("").catch((error) =>
      this.#showBanner({ kind: "failed", message: describeMicrophoneError(error), retry: true })
    );
  }

  /** Hot-swaps the microphone (empty id: the browser's default). */
  async chooseInput(deviceId: string): Promise<void> {
    this.#inputDeviceId = deviceId;
    if (this.#capture) {
      try {
        await this.#capture.switchDevice(deviceId || "default");
      } catch (error) {
        this.#showBanner({ kind: "error", message: describeMicrophoneError(error) }, 8000);
      }
    }
    this.#changed();
  }

  /** Plays the assistant through another output device, where the browser allows it. */
  async chooseOutput(deviceId: string): Promise<void> {
    this.#outputDeviceId = deviceId;
    try {
      await this.#player?.setSinkId(deviceId);
    } catch (error) {
      this.#showBanner({ kind: "error", message: (error as Error).message }, 8000);
    }
    this.#changed();
  }

  /** Clears the transcript. */
  clearTranscript(): void {
    this.#transcript.clear();
    this.#changed();
  }
}
