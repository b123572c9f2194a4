/**
 * What the voice page shows, one signal per concern: the state, the notice, the two levels,
 * the transcript, the controls, the devices and the diagnostics. The controller writes them,
 * the island's parts read them, and each part re-renders only when a signal it reads changes:
 * a level moving redraws the meters, not the transcript.
 *
 * Values are replaced, never changed in place, and only when they differ
 * ({@linkcode publish}), so a signal's change always means something to draw.
 *
 * The store holds no browser objects, so the island creates it during server rendering too.
 *
 * @module
 */
import { computed, type ReadonlySignal, type Signal, signal } from "@preact/signals";
import {
  collectDiagnostics,
  type Diagnostics,
  type WireCheck,
  wireChecks,
  WireCounters,
} from "./diagnostics.ts";
import { type AccessView, initialAccess } from "./access.ts";
import { type DeviceView, initialDeviceView } from "./devices.ts";
import type { Delivery } from "@/lib/shared/delivery.ts";
import type { SessionSummary } from "@/lib/shared/delivery_summary.ts";
import { type LatencyView, NO_LATENCY } from "./latency.ts";
import type { Notice } from "./notices.ts";
import type { SessionUsage } from "./relay_events.ts";
import type { TranscriptEntry } from "./transcript.ts";
import type { VoiceState } from "./voice_state.ts";

/** The session's switches. */
export interface Controls {
  pushToTalk: boolean;
  /** Push-to-talk is held. */
  talking: boolean;
  /** Browser audio processing (echo cancellation, noise suppression, gain control) is off. */
  rawInput: boolean;
  /** The microphone is muted: the session stays, nothing is sent. */
  muted: boolean;
}

export interface VoiceStore {
  /** The controller is loaded: the controls may be used. */
  ready: Signal<boolean>;
  state: Signal<VoiceState>;
  notice: Signal<Notice | null>;
  /** Microphone RMS, 0..1. */
  micLevel: Signal<number>;
  /** Assistant RMS, 0..1. */
  assistantLevel: Signal<number>;
  transcript: Signal<readonly TranscriptEntry[]>;
  controls: Signal<Controls>;
  devices: Signal<DeviceView>;
  diagnostics: Signal<Diagnostics>;
  /** The wire contract checks of the current diagnostics. */
  checks: ReadonlySignal<WireCheck[]>;
  /** The access-code form: whether Start waits for a code, and why it asks again. */
  access: Signal<AccessView>;
  /** What this session has used (`relay.usage`); null until the first one. */
  usage: Signal<SessionUsage | null>;
  /**
   * Microphone frames go to the coach now: false while muted, in push-to-talk at rest, while
   * the connection is down, or off.
   */
  micSending: Signal<boolean>;
  /** The answer times of this session's turns. */
  latency: Signal<LatencyView>;
  /** The conversation the relay keeps for this page (`relay.conversation`); null: none yet. */
  conversationId: Signal<string | null>;
  /** The measured delivery of each user turn, by item id (a new map on each change). */
  deliveries: Signal<ReadonlyMap<string, Delivery>>;
  /** The summary of the session after Stop; null while one runs or before any turn. */
  summary: Signal<SessionSummary | null>;
}

/** Options of {@linkcode createVoiceStore}. */
export interface VoiceStoreOptions {
  /**
   * The access-code form at page load.
   * @default {initialAccess(false, false)} (codes off)
   */
  access?: AccessView;
}

/** A store with what the page shows before anything has happened. */
export function createVoiceStore(options: VoiceStoreOptions = {}): VoiceStore {
  const diagnostics = signal(collectDiagnostics({ counters: new WireCounters() }));
  return {
    access: signal(options.access ?? initialAccess(false, false)),
    usage: signal<SessionUsage | null>(null),
    ready: signal(false),
    state: signal<VoiceState>("off"),
    notice: signal<Notice | null>(null),
    micLevel: signal(0),
    assistantLevel: signal(0),
    transcript: signal<readonly TranscriptEntry[]>([]),
    controls: signal<Controls>({
      pushToTalk: false,
      talking: false,
      rawInput: false,
      muted: false,
    }),
    micSending: signal(false),
    latency: signal<LatencyView>(NO_LATENCY),
    conversationId: signal<string | null>(null),
    deliveries: signal<ReadonlyMap<string, Delivery>>(new Map()),
    summary: signal<SessionSummary | null>(null),
    devices: signal<DeviceView>(initialDeviceView(false)),
    diagnostics,
    checks: computed(() => wireChecks(diagnostics.value)),
  };
}

/** Sets `target` to `value` unless `same` says they are equal (`Object.is` by default). */
export function publish<T>(
  target: Signal<T>,
  value: T,
  same: (a: T, b: T) => boolean = Object.is,
): void {
  if (!same(target.peek(), value)) target.value = value;
}

/** Whether two transcripts show the same turns, texts and statuses. */
export function sameTranscript(
  a: readonly TranscriptEntry[],
  b: readonly TranscriptEntry[],
): boolean {
  return a.length === b.length && a.every((e, i) => sameEntry(e, b[i]));
}

function sameEntry(a: TranscriptEntry, b: TranscriptEntry): boolean {
  return a.itemId === b.itemId && a.role === b.role && a.text === b.text &&
    a.status === b.status;
}

/** Publishes a copy of the transcript's entries, if they differ from what is shown. */
export function publishTranscript(
  target: Signal<readonly TranscriptEntry[]>,
  entries: readonly TranscriptEntry[],
): void {
  if (sameTranscript(target.peek(), entries)) return;
  target.value = entries.map((e) => ({ ...e }));
}

/** Whether two control sets are equal. */
export function sameControls(a: Controls, b: Controls): boolean {
  return a.pushToTalk === b.pushToTalk && a.talking === b.talking &&
    a.rawInput === b.rawInput && a.muted === b.muted;
}
