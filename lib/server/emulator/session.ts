/**
 * One emulated Realtime GA session (docs/protocol.md): the state machine behind a socket, kept
 * apart from the socket so it can be driven directly.
 *
 * Client frames are handled strictly in arrival order and synchronously; frames that arrive
 * while the voice activity detector is still loading wait in a queue. Every rejected frame
 * gets exactly one `error` event and the session goes on. The session sends nothing it was
 * not asked for except what the service also sends by itself: VAD turn events, responses
 * that turn detection creates, `rate_limits.updated`, and the close at expiry.
 *
 * ## Clocks
 *
 * `audio_start_ms` / `audio_end_ms` count ms of audio appended since the session began. The
 * detector counts ms of audio pushed to it, and is only fed while turn detection is on, so
 * `#vadOffsetMs` maps its clock onto the session's.
 *
 * ## What a turn holds
 *
 * When speech starts, buffered audio before `audio_start_ms` (the onset minus
 * `prefix_padding_ms`) is discarded; when it stops, the audio up to `audio_end_ms` is
 * committed and whatever follows stays buffered. A turn's item thus holds
 * `audio_end_ms − audio_start_ms` of audio, the silence window included.
 *
 * ## Memory
 *
 * Each session's memory is bounded however fast a client sends, in process or over a socket:
 * - the input buffer keeps the last {@linkcode MAX_BUFFER_MS} (2 minutes, 5.76 MB) without a
 *   commit; older audio is dropped;
 * - the conversation keeps `MAX_CONVERSATION_AUDIO_BYTES` (6 MiB) of audio, dropping the
 *   oldest items' bytes first (`conversation.ts`); a response echoes audio it shares;
 * - frames that arrive while the detector loads wait up to {@linkcode MAX_PENDING_BYTES};
 *   beyond that they are refused with a `server_error`.
 *
 * The module is that one idea, the session state machine, fenced into `//#region` blocks by
 * concern: lifecycle, configuration, input audio and turns, responses, conversation items,
 * audio formats, sending.
 *
 * @module
 */

import { BYTES_PER_MS } from "../../shared/audio_format.ts";
import { decodeBase64, encodeBase64 } from "../../shared/base64.ts";
import {
  type AudioFormat,
  type ClientEvent,
  type ConversationItemCreateEvent,
  type ConversationItemTruncateEvent,
  DEFAULT_PREFIX_PADDING_MS,
  DEFAULT_VAD_THRESHOLD,
  defaultServerVad,
  defaultSession,
  errorEvent,
  type Item,
  type ItemParam,
  mergeSessionUpdate,
  MIN_COMMIT_MS,
  parseClientEvent,
  type ParseOptions,
  type RealtimeSession,
  type RequestProblem,
  resolveFormat,
  type ResponseCreateParams,
  type ServerEvent,
  type SessionUpdateEvent,
  type TurnDetection,
  type UserMessageItem,
  validateSessionUpdate,
} from "../../shared/realtime/mod.ts";
import { newId } from "../../shared/ids.ts";
import {
  coachWords,
  type LocalCoachMode,
  speakWords,
  type UserTurn,
} from "../coach/local_coach.ts";
import type { SpeechSynth } from "../coach/speech.ts";
import { type CoachVoiceHold, holdCoachVoice } from "../coach/voice.ts";
import { InputAudioBuffer, msToBytePosition } from "./audio_buffer.ts";
import { Conversation, ROOT_ITEM_ID, userTurnOf } from "./conversation.ts";
import {
  activeResponse,
  audioAlreadyShorter,
  cancelNotActive,
  commitEmpty,
  duplicateItemId,
  invalidContentIndex,
  itemInProgress,
  itemNotFound,
  notTruncatable,
  SESSION_EXPIRED_CLOSE_CODE,
  sessionExpiredReason,
  sessionStarting,
  transcriptionUnavailable,
  unknownPreviousItem,
  unsupportedItem,
  vadUnavailable,
} from "./errors.ts";
import { encodeG711, G711Decoder, g711Law } from "./g711.ts";
import { type EchoContent, echoContent, EchoResponse } from "./responses.ts";
import type { VadEvent, VadOptions } from "./vad.ts";

//#region Limits, options and detector settings

/** Longest input buffer kept without a commit; older audio is dropped (2 minutes, 5.76 MB). */
export const MAX_BUFFER_MS = 2 * 60 * 1000;
/** Bytes of frames kept while the detector loads; later frames get an error (4 MiB). */
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** setTimeout's longest delay (about 24.8 days); longer lifetimes are cut to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Parse options by input format, made once (every append is parsed with one). */
const PCM16_INPUT: ParseOptions = { bytesPerSample: 2 };
const G711_INPUT: ParseOptions = { bytesPerSample: 1 };
/** The token budget reported in `rate_limits.updated`. */
const TOKENS_PER_MINUTE = 40_000;
/** GA's own words for an internal failure. */
const SERVER_ERROR_MESSAGE =
  "The server had an error while processing your request. Sorry about that!";

/** The part of `VoiceActivityDetector` a session uses (tests may substitute their own). */
export interface Vad {
  configure(options: VadOptions): void;
  push(samples: Int16Array): VadEvent[];
  readonly inSpeech: boolean;
  reset(): void;
  close(): void;
}

/** Where a session's frames go. */
export interface SessionTransport {
  /** Sends one text frame. */
  send(text: string): void;
  /** Closes the connection with a code and reason. */
  close(code: number, reason: string): void;
}

/** Options of {@linkcode EmulatedSession}. */
export interface EmulatedSessionOptions {
  /** The model named in the connection URL. */
  model: string;
  /**
   * Session lifetime in seconds.
   * @default {3600}
   */
  sessionSeconds?: number;
  /**
   * Assistant audio is streamed this many times faster than real time.
   * @default {2}
   */
  speedup?: number;
  /**
   * What the coach answers a user turn with (`LOCAL_COACH`): spoken feedback on the turn's
   * delivery, or the echo (the turn played back; a typed turn read back). The speech comes
   * from the process's shared voice (`coach/voice.ts`), held from the first spoken reply (or
   * from `start()` with `delivery`, which warms it) until the session ends.
   * @default {"echo"}
   */
  coach?: LocalCoachMode;
  /** Structured logger. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Creates the voice activity detector (the emulator passes `VoiceActivityDetector.create`). */
  createVad: (options: VadOptions) => Promise<Vad>;
}

type Frame = string | Uint8Array | ArrayBuffer;

/** Fixed detector settings for `semantic_vad`, by eagerness (silence ends the turn sooner when eager). */
const SEMANTIC_SILENCE_MS = { low: 1000, medium: 600, auto: 600, high: 300 } as const;

/** The detector settings for a turn detection config. */
export function vadOptionsFor(turnDetection: TurnDetection): VadOptions {
  switch (turnDetection.type) {
    case "server_vad":
      return {
        threshold: turnDetection.threshold,
        prefixPaddingMs: turnDetection.prefix_padding_ms,
        silenceDurationMs: turnDetection.silence_duration_ms,
      };
    case "semantic_vad":
      return {
        threshold: DEFAULT_VAD_THRESHOLD,
        prefixPaddingMs: DEFAULT_PREFIX_PADDING_MS,
        silenceDurationMs: SEMANTIC_SILENCE_MS[turnDetection.eagerness],
      };
    default: {
      const unknown: never = turnDetection;
      throw new TypeError(
        `Cannot configure VAD: unknown turn detection ${JSON.stringify(unknown)}`,
      );
    }
  }
}

//#endregion

/** Server events minus the id, which `#send` adds. */
type Unsent<T> = T extends ServerEvent ? Omit<T, "event_id"> : never;

/**
 * One emulated session. Call {@linkcode start} once the socket is open, {@linkcode receive}
 * for each frame, and {@linkcode dispose} when the socket closes.
 */
export class EmulatedSession {
  //#region State and lifecycle: frames in, one at a time

  #transport: SessionTransport;
  #options: Required<Omit<EmulatedSessionOptions, "log">> & Pick<EmulatedSessionOptions, "log">;
  #session: RealtimeSession;
  #conversation = new Conversation();
  #buffer = new InputAudioBuffer();
  #closed = false;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Frames received while the detector loads; null once it is ready (or failed). */
  #pending: Frame[] | null = [];
  #pendingBytes = 0;
  #vad: Vad | null = null;
  /** Ms of audio pushed to the detector, and its clock's offset from the session's. */
  #vadFedMs = 0;
  #vadOffsetMs = 0;
  /** The user item id announced by `speech_started`, until its turn is committed. */
  #speechItemId: string | null = null;
  /** Session ms at which `idle_timeout_ms` fires, or null when not armed. */
  #idleDeadlineMs: number | null = null;

  #active: EchoResponse | null = null;
  /** Aborts the active response's synthesis when it ends early. */
  #speaking: AbortController | null = null;
  /** The shared voice, once a reply was spoken (or warmed for the delivery coach). */
  #voice: CoachVoiceHold | null = null;
  #outOfBand = new WeakSet<EchoResponse>();
  #voiceLocked = false;
  #inputDecoder: G711Decoder | null = null;

  constructor(transport: SessionTransport, options: EmulatedSessionOptions) {
    this.#transport = transport;
    this.#options = { sessionSeconds: 3600, speedup: 2, coach: "echo", ...options };
    checkEmulatorOptions(this.#options);
    const createdAt = Math.floor(Date.now() / 1000);
    const session = defaultSession({ model: options.model, createdAt });
    session.expires_at = createdAt + Math.ceil(this.#options.sessionSeconds);
    this.#session = session;
  }

  /** The effective session configuration. */
  get session(): RealtimeSession {
    return this.#session;
  }

  /** Bytes of input audio buffered (not yet committed). */
  get bufferedAudioBytes(): number {
    return this.#buffer.byteLength;
  }

  /** Bytes of audio the conversation keeps. */
  get storedAudioBytes(): number {
    return this.#conversation.audioBytes;
  }

  /** Whether the session has ended (closed by either side or expired). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends `session.created`, arms the expiry timer and loads the detector. */
  start(): void {
    this.#send({ type: "session.created", session: this.#session });
    this.#expiryTimer = setTimeout(() => {
      const reason = sessionExpiredReason(this.#options.sessionSeconds);
      this.#end(SESSION_EXPIRED_CLOSE_CODE, reason);
    }, Math.min(this.#options.sessionSeconds * 1000, MAX_TIMER_MS));
    if (this.#options.coach === "delivery") {
      // Load the engine now (once per process), so the first reply does not wait for it.
      this.#synth().warm().catch((error: unknown) => {
        this.#log("emulator coach voice failed to start", { error: String(error) });
      });
    }
    const turnDetection = this.#session.audio.input.turn_detection;
    const options = vadOptionsFor(turnDetection ?? defaultServerVad());
    this.#options.createVad(options).then(
      (vad) => {
        if (this.#closed) {
          vad.close();
          return;
        }
        this.#vad = vad;
        this.#drain();
      },
      (error: unknown) => {
        this.#log("emulator VAD failed to load", { error: String(error) });
        if (this.#closed) return;
        this.#sendProblem(vadUnavailable(), null, "server_error");
        this.#drain();
      },
    );
  }

  /** Handles one client frame. Never throws. */
  receive(data: Frame): void {
    if (this.#closed) return;
    if (this.#pending !== null) {
      const size = typeof data === "string" ? data.length : data.byteLength;
      if (this.#pendingBytes + size > MAX_PENDING_BYTES) {
        this.#sendProblem(sessionStarting(this.#pendingBytes), null, "server_error");
        return;
      }
      this.#pending.push(data);
      this.#pendingBytes += size;
      return;
    }
    this.#handleFrame(data);
  }

  /** Frees everything at once (timers, the response, the detector). Idempotent. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#expiryTimer);
    this.#active?.dispose();
    this.#active = null;
    this.#speaking?.abort();
    this.#speaking = null;
    this.#voice?.release();
    this.#voice = null;
    this.#vad?.close();
    this.#vad = null;
    this.#pending = null;
    this.#buffer.clear();
  }

  #end(code: number, reason: string): void {
    if (this.#closed) return;
    this.#log("emulator session ended", { session_id: this.#session.id, code, reason });
    this.dispose();
    this.#transport.close(code, reason);
  }

  #drain(): void {
    const pending = this.#pending ?? [];
    this.#pending = null;
    this.#pendingBytes = 0;
    for (const frame of pending) {
      if (this.#closed) return;
      this.#handleFrame(frame);
    }
  }

  #handleFrame(data: Frame): void {
    // G.711 has one byte per sample, so any non-empty append is whole samples.
    const parsed = parseClientEvent(
      data,
      g711Law(this.#session.audio.input.format) === null ? PCM16_INPUT : G711_INPUT,
    );
    if (!parsed.ok) {
      this.#transport.send(JSON.stringify(parsed.error));
      return;
    }
    try {
      this.#dispatch(parsed.event, parsed.audioBytes);
    } catch (error) {
      // A bug must not end the session: report it the way GA reports its own failures.
      this.#log("emulator failed to handle an event", {
        type: parsed.event.type,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      this.#sendProblem(
        { code: null, message: SERVER_ERROR_MESSAGE, param: null },
        parsed.event.event_id,
        "server_error",
      );
    }
  }

  #dispatch(event: ClientEvent, audioBytes: Uint8Array | null): void {
    switch (event.type) {
      case "session.update":
        return this.#updateSession(event);
      case "session.close":
        return this.#end(1000, "");
      case "input_audio_buffer.append":
      case "session.input_audio_buffer.append":
        return this.#append(audioBytes ?? decodeBase64(event.audio));
      case "input_audio_buffer.commit":
        return this.#commitManually(event.event_id);
      case "input_audio_buffer.clear":
        return this.#clearBuffer();
      case "conversation.item.create":
        return this.#createItem(event);
      case "conversation.item.truncate":
        return this.#truncateItem(event);
      case "conversation.item.delete":
        return this.#deleteItem(event.item_id, event.event_id);
      case "conversation.item.retrieve":
        return this.#retrieveItem(event.item_id, event.event_id);
      case "response.create":
        return this.#createResponse(event.response ?? {}, event.event_id);
      case "response.cancel":
        return this.#cancelResponse(event.response_id, event.event_id);
      default: {
        const unknown: never = event;
        throw new TypeError(
          `Cannot handle client event: no handler for ${JSON.stringify(unknown)}`,
        );
      }
    }
  }

  //#endregion

  //#region Session configuration

  #updateSession(event: SessionUpdateEvent): void {
    const result = validateSessionUpdate(event.session, this.#session, {
      voiceLocked: this.#voiceLocked,
    });
    if (!result.ok) return this.#sendProblem(result.problem, event.event_id);
    const previous = this.#session;
    const next = mergeSessionUpdate(previous, result.update);
    next.expires_at = previous.expires_at;
    this.#session = next;
    if (formatKey(previous.audio.input.format) !== formatKey(next.audio.input.format)) {
      this.#inputDecoder = null;
    }
    this.#retune(previous.audio.input.turn_detection, next.audio.input.turn_detection);
    this.#send({ type: "session.updated", session: next });
  }

  /** Applies a turn detection change to the detector, live. */
  #retune(before: TurnDetection | null, after: TurnDetection | null): void {
    this.#idleDeadlineMs = null;
    const vad = this.#vad;
    if (!vad) return;
    if (after === null) {
      if (before !== null && vad.inSpeech) vad.reset();
      this.#speechItemId = null;
      return;
    }
    if (before === null) {
      // The detector was not fed meanwhile: realign its clock with the session's.
      vad.reset();
      this.#vadOffsetMs = this.#buffer.appendedMs - this.#vadFedMs;
    }
    vad.configure(vadOptionsFor(after));
  }

  //#endregion

  //#region Input audio and turns

  #append(bytes: Uint8Array): void {
    const pcm = this.#decodeInput(bytes);
    this.#buffer.append(pcm);
    if (this.#buffer.lengthMs > MAX_BUFFER_MS) {
      this.#buffer.dropBefore(this.#buffer.appendedMs - MAX_BUFFER_MS);
    }
    const turnDetection = this.#session.audio.input.turn_detection;
    const vad = this.#vad;
    if (!turnDetection || !vad || pcm.length < 2) return;
    const aligned = pcm.byteOffset % 2 === 0 ? pcm : pcm.slice();
    const events = vad.push(
      new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length >> 1),
    );
    this.#vadFedMs += pcm.length / BYTES_PER_MS;
    for (const event of events) {
      if (this.#closed) return;
      this.#onVadEvent(event);
    }
    this.#checkIdleTimeout();
  }

  #onVadEvent(event: VadEvent): void {
    const turnDetection = this.#session.audio.input.turn_detection;
    if (!turnDetection) return;
    switch (event.type) {
      case "speech_started": {
        const startMs = event.audioStartMs + this.#vadOffsetMs;
        const itemId = newId("item");
        this.#speechItemId = itemId;
        this.#idleDeadlineMs = null;
        this.#buffer.dropBefore(startMs);
        this.#send({
          type: "input_audio_buffer.speech_started",
          audio_start_ms: Math.round(startMs),
          item_id: itemId,
        });
        if (turnDetection.interrupt_response && this.#active) {
          this.#active.cancel("turn_detected");
        }
        return;
      }
      case "speech_stopped": {
        const itemId = this.#speechItemId ?? newId("item");
        const endMs = event.audioEndMs + this.#vadOffsetMs;
        this.#speechItemId = null;
        this.#send({
          type: "input_audio_buffer.speech_stopped",
          audio_end_ms: Math.round(endMs),
          item_id: itemId,
        });
        this.#commit(itemId, this.#buffer.take(endMs));
        if (turnDetection.create_response) this.#autoRespond();
        return;
      }
      default: {
        const unknown: never = event;
        throw new TypeError(`Cannot handle VAD event: unknown ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A response started by turn detection, unless one is already running. */
  #autoRespond(): void {
    if (this.#active) {
      this.#log("emulator skipped an automatic response: one is already active", {
        response_id: this.#active.id,
      });
      return;
    }
    this.#createResponse({}, undefined);
  }

  /** `idle_timeout_ms`: after a response, a quiet stretch this long ends the turn anyway. */
  #checkIdleTimeout(): void {
    const deadline = this.#idleDeadlineMs;
    const turnDetection = this.#session.audio.input.turn_detection;
    if (deadline === null || this.#buffer.appendedMs < deadline) return;
    this.#idleDeadlineMs = null;
    if (turnDetection?.type !== "server_vad" || this.#vad?.inSpeech) return;
    const itemId = newId("item");
    this.#send({
      type: "input_audio_buffer.timeout_triggered",
      audio_start_ms: Math.round(this.#buffer.startMs),
      audio_end_ms: Math.round(this.#buffer.appendedMs),
      item_id: itemId,
    });
    this.#commit(itemId, this.#buffer.take());
    if (turnDetection.create_response) this.#autoRespond();
  }

  #commitManually(eventId: string | undefined): void {
    const lengthMs = this.#buffer.lengthMs;
    if (lengthMs < MIN_COMMIT_MS) return this.#sendProblem(commitEmpty(lengthMs), eventId);
    // A manual commit mid-turn commits that turn's item; the detector forgets the turn.
    const itemId = this.#speechItemId ?? newId("item");
    if (this.#speechItemId !== null) {
      this.#speechItemId = null;
      this.#vad?.reset();
    }
    this.#commit(itemId, this.#buffer.take());
  }

  #clearBuffer(): void {
    this.#buffer.clear();
    if (this.#speechItemId !== null) {
      this.#speechItemId = null;
      this.#vad?.reset();
    }
    this.#send({ type: "input_audio_buffer.cleared" });
  }

  /** Steps 4–6 of docs/protocol.md §8.1 (plus a transcription failure when transcription is on). */
  #commit(itemId: string, audio: Uint8Array): void {
    const item: UserMessageItem = {
      id: itemId,
      object: "realtime.item",
      type: "message",
      status: "completed",
      role: "user",
      content: [{ type: "input_audio", transcript: null }],
    };
    const previousItemId = this.#conversation.insert(item, [audio]);
    this.#send({
      type: "input_audio_buffer.committed",
      previous_item_id: previousItemId,
      item_id: itemId,
    });
    this.#announceItem(previousItemId, item);
    if (this.#session.audio.input.transcription !== null) {
      const { type, ...problem } = transcriptionUnavailable();
      this.#send({
        type: "conversation.item.input_audio_transcription.failed",
        item_id: itemId,
        content_index: 0,
        error: { type, ...problem },
      });
    }
  }

  //#endregion

  //#region Responses

  #createResponse(params: ResponseCreateParams, eventId: string | undefined): void {
    if (this.#active) return this.#sendProblem(activeResponse(this.#active.id), eventId);
    const source = this.#responseSource(params);
    if ("problem" in source) return this.#sendProblem(source.problem, eventId);
    const session = this.#session;
    const modalities = params.output_modalities ?? session.output_modalities;
    const format = params.audio?.output?.format
      ? resolveFormat(params.audio.output.format)
      : session.audio.output.format;
    const outOfBand = params.conversation === "none";
    const response = new EchoResponse({
      content: this.#reply(source.turn, modalities[0]),
      modalities,
      format,
      voice: params.audio?.output?.voice ?? session.audio.output.voice,
      maxOutputTokens: params.max_output_tokens ?? session.max_output_tokens,
      metadata: params.metadata ?? null,
      conversationId: outOfBand ? null : this.#conversation.id,
      previousItemId: outOfBand ? null : this.#conversation.lastId,
      input: {
        textChars: (params.instructions ?? session.instructions).length,
        audioMs: this.#conversation.userAudioMs(),
      },
      speedup: this.#options.speedup,
    }, {
      send: (event) => {
        if (!this.#closed) this.#transport.send(JSON.stringify(event));
      },
      encode: (pcm) => encodeAudio(pcm, format),
      firstAudio: () => {
        this.#voiceLocked = true;
      },
      done: (finished) => this.#onResponseDone(finished),
    });
    if (outOfBand) this.#outOfBand.add(response);
    else this.#conversation.insert(response.item, [null]);
    this.#idleDeadlineMs = null;
    this.#active = response;
    response.start();
  }

  /**
   * The user turn a response answers: the last one of `input[]` when given, else the
   * conversation's last (typed or spoken).
   */
  #responseSource(
    params: ResponseCreateParams,
  ): { turn: UserTurn | null } | { problem: RequestProblem } {
    if (params.input === undefined) {
      return { turn: this.#conversation.lastUserTurn() ?? null };
    }
    let turn: UserTurn | null = null;
    for (const [index, entry] of params.input.entries()) {
      if (entry.type === "item_reference") {
        const stored = this.#conversation.get(entry.id);
        if (!stored) {
          return { problem: unknownPreviousItem(`response.input[${index}].id`, entry.id) };
        }
        turn = userTurnOf(stored) ?? turn;
      } else if (entry.type === "message" && entry.role === "user") {
        for (const part of entry.content) {
          if (part.type === "input_audio" && part.audio) {
            turn = { type: "audio", pcm: this.#decodeItemAudio(part.audio) };
          } else if (part.type === "input_text") {
            turn = { type: "text", text: part.text };
          }
        }
      }
    }
    return { turn };
  }

  /**
   * What the coach answers `turn` with: the echo's audio as it is, or words (delivery
   * feedback, a typed turn's answer) that the shared voice speaks while the response opens.
   */
  #reply(turn: UserTurn | null, modality: "audio" | "text"): EchoContent {
    const words = coachWords(this.#options.coach, turn);
    if (words === null) {
      return echoContent(turn?.type === "audio" ? turn.pcm : null, modality);
    }
    if (modality === "text") return { audio: new Uint8Array(0), text: words };
    this.#speaking = new AbortController();
    const audio = speakWords(this.#synth(), words, {
      signal: this.#speaking.signal,
      onError: (error) => {
        this.#log("emulator coach could not speak; the reply goes without audio", {
          error: error.message,
        });
      },
    });
    return { audio, text: words };
  }

  /** The shared voice's synth, held until the session ends. */
  #synth(): SpeechSynth {
    this.#voice ??= holdCoachVoice();
    return this.#voice.synth;
  }

  #onResponseDone(response: EchoResponse): void {
    if (this.#active === response) {
      this.#active = null;
      this.#speaking?.abort();
      this.#speaking = null;
    }
    if (this.#closed) return;
    if (
      !this.#outOfBand.has(response) && this.#conversation.has(response.itemId) &&
      response.sentAudio.length > 0
    ) {
      this.#conversation.setAudio(response.itemId, 0, response.sentAudio.slice());
    }
    const used = response.usage.total_tokens;
    this.#send({
      type: "rate_limits.updated",
      rate_limits: [{
        name: "tokens",
        limit: TOKENS_PER_MINUTE,
        remaining: Math.max(0, TOKENS_PER_MINUTE - used),
        reset_seconds: Math.round((used / TOKENS_PER_MINUTE) * 60_000) / 1000,
      }],
    });
    const turnDetection = this.#session.audio.input.turn_detection;
    if (turnDetection?.type === "server_vad" && turnDetection.idle_timeout_ms !== null) {
      // Audio went out `speedup` times faster than it plays, so the user is still hearing
      // part of it: count the idle time from the end of playback.
      const audioMs = response.sentAudio.length / BYTES_PER_MS;
      const stillPlayingMs = audioMs - audioMs / this.#options.speedup;
      this.#idleDeadlineMs = this.#buffer.appendedMs + stillPlayingMs +
        turnDetection.idle_timeout_ms;
    }
  }

  #cancelResponse(responseId: string | undefined, eventId: string | undefined): void {
    const active = this.#active;
    if (!active || (responseId !== undefined && responseId !== active.id)) {
      return this.#sendProblem(cancelNotActive(), eventId);
    }
    active.cancel("client_cancelled");
  }

  //#endregion

  //#region Conversation items

  #createItem(event: ConversationItemCreateEvent): void {
    const param = event.item;
    if (param.type === "mcp_approval_response") {
      return this.#sendProblem(unsupportedItem(param.type), event.event_id);
    }
    if (param.id !== undefined && this.#conversation.has(param.id)) {
      return this.#sendProblem(duplicateItemId(param.id), event.event_id);
    }
    const previous = event.previous_item_id;
    if (previous !== undefined && previous !== ROOT_ITEM_ID && !this.#conversation.has(previous)) {
      return this.#sendProblem(unknownPreviousItem("previous_item_id", previous), event.event_id);
    }
    const { item, audio } = this.#itemFromParam(param);
    const previousItemId = this.#conversation.insert(item, audio, previous);
    this.#announceItem(previousItemId, item);
  }

  /** The stored item for a created one: ids and status filled in, audio moved out of the content. */
  #itemFromParam(
    param: Exclude<ItemParam, { type: "mcp_approval_response" }>,
  ): { item: Item; audio: (Uint8Array | null)[] } {
    const base = {
      id: param.id ?? newId("item"),
      object: "realtime.item" as const,
      status: param.status ?? "completed",
    };
    switch (param.type) {
      case "function_call":
        return {
          item: {
            ...base,
            type: "function_call",
            name: param.name,
            arguments: param.arguments,
            call_id: param.call_id ?? `call_${newId("item").slice("item_".length)}`,
          },
          audio: [],
        };
      case "function_call_output":
        return {
          item: {
            ...base,
            type: "function_call_output",
            call_id: param.call_id,
            output: param.output,
          },
          audio: [],
        };
      case "message": {
        const audio: (Uint8Array | null)[] = [];
        const content = param.content.map((part) => {
          if (part.type === "input_audio" || part.type === "output_audio") {
            audio.push(part.audio ? this.#decodeItemAudio(part.audio, part.type) : null);
            return { type: part.type, transcript: part.transcript ?? null };
          }
          audio.push(null);
          return part;
        });
        return { item: { ...base, type: "message", role: param.role, content } as Item, audio };
      }
      default: {
        const unknown: never = param;
        throw new TypeError(`Cannot create item: unknown ${JSON.stringify(unknown)}`);
      }
    }
  }

  #truncateItem(event: ConversationItemTruncateEvent): void {
    const { item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs } = event;
    const stored = this.#conversation.get(itemId);
    if (!stored) return this.#sendProblem(itemNotFound("truncate", itemId), event.event_id);
    if (this.#active?.itemId === itemId) {
      return this.#sendProblem(itemInProgress(itemId, this.#active.id), event.event_id);
    }
    const item = stored.item;
    if (item.type !== "message" || item.role !== "assistant") {
      return this.#sendProblem(notTruncatable(itemId), event.event_id);
    }
    const part = item.content[contentIndex];
    if (!part) return this.#sendProblem(invalidContentIndex(itemId, contentIndex), event.event_id);
    if (part.type !== "output_audio") {
      return this.#sendProblem(notTruncatable(itemId), event.event_id);
    }
    const audioMs = stored.audioMs[contentIndex] ?? 0;
    if (audioEndMs > audioMs) {
      return this.#sendProblem(audioAlreadyShorter(audioMs, audioEndMs), event.event_id);
    }
    const bytes = stored.audio[contentIndex];
    if (bytes) {
      this.#conversation.setAudio(
        itemId,
        contentIndex,
        bytes.slice(0, msToBytePosition(audioEndMs)),
      );
    } else {
      stored.audioMs[contentIndex] = audioEndMs;
    }
    // The service drops the transcript: the model's memory of what was said ends with the audio.
    part.transcript = null;
    this.#send({
      type: "conversation.item.truncated",
      item_id: itemId,
      content_index: contentIndex,
      audio_end_ms: audioEndMs,
    });
  }

  #deleteItem(itemId: string, eventId: string | undefined): void {
    if (!this.#conversation.has(itemId)) {
      return this.#sendProblem(itemNotFound("delete", itemId), eventId);
    }
    if (this.#active?.itemId === itemId) {
      return this.#sendProblem(itemInProgress(itemId, this.#active.id), eventId);
    }
    this.#conversation.delete(itemId);
    this.#send({ type: "conversation.item.deleted", item_id: itemId });
  }

  #retrieveItem(itemId: string, eventId: string | undefined): void {
    const stored = this.#conversation.get(itemId);
    if (!stored) return this.#sendProblem(itemNotFound("retrieve", itemId), eventId);
    const item = clone(stored.item);
    if (item.type === "message") {
      item.content.forEach((part, index) => {
        const bytes = stored.audio[index];
        if (!bytes || (part.type !== "input_audio" && part.type !== "output_audio")) return;
        const format = part.type === "input_audio"
          ? this.#session.audio.input.format
          : this.#session.audio.output.format;
        part.audio = encodeBase64(encodeAudio(bytes, format));
      });
    }
    this.#send({ type: "conversation.item.retrieved", item });
  }

  //#endregion

  //#region Audio formats: everything inside is 24 kHz PCM16

  #decodeInput(bytes: Uint8Array): Uint8Array {
    const law = g711Law(this.#session.audio.input.format);
    if (law === null) return bytes;
    this.#inputDecoder ??= new G711Decoder(law);
    return this.#inputDecoder.decode(bytes);
  }

  /** Audio inside a created item, in the session's input (user) or output (assistant) format. */
  #decodeItemAudio(
    base64: string,
    kind: "input_audio" | "output_audio" = "input_audio",
  ): Uint8Array {
    const bytes = decodeBase64(base64);
    const format = kind === "input_audio"
      ? this.#session.audio.input.format
      : this.#session.audio.output.format;
    const law = g711Law(format);
    return law === null ? bytes : new G711Decoder(law).decode(bytes);
  }

  //#endregion

  //#region Sending

  #send(event: Unsent<ServerEvent>): void {
    if (this.#closed) return;
    this.#transport.send(JSON.stringify({ event_id: newId("event"), ...event }));
  }

  /** A completed item joined the conversation: `conversation.item.added`, then `.done`. */
  #announceItem(previousItemId: string | null, item: Item): void {
    for (const type of ["conversation.item.added", "conversation.item.done"] as const) {
      this.#send({ type, previous_item_id: previousItemId, item: clone(item) });
    }
  }

  #sendProblem(problem: RequestProblem, eventId: string | null | undefined, type?: string): void {
    if (this.#closed) return;
    const event = errorEvent(problem.code, problem.message, {
      param: problem.param,
      eventId: eventId ?? null,
      ...(type ? { type } : {}),
    });
    this.#transport.send(JSON.stringify(event));
  }

  #log(msg: string, fields?: Record<string, unknown>): void {
    this.#options.log?.(msg, fields);
  }
  //#endregion
}

//#region Helpers

/**
 * Checks the lifetime and pacing settings.
 *
 * @throws {RangeError} when `sessionSeconds` or `speedup` is not a positive finite number
 */
export function checkEmulatorOptions(options: { sessionSeconds?: number; speedup?: number }): void {
  for (const key of ["sessionSeconds", "speedup"] as const) {
    const value = options[key];
    if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
      throw new RangeError(
        `Cannot start the Realtime emulator: ${key} is ${value}; pass a positive number`,
      );
    }
  }
}

function formatKey(format: AudioFormat): string {
  return format.type;
}

/** 24 kHz PCM16 in `format`. */
export function encodeAudio(pcm: Uint8Array, format: AudioFormat): Uint8Array {
  const law = g711Law(format);
  return law === null ? pcm : encodeG711(pcm, law);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

//#endregion
