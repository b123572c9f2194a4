/**
 * The relay's upstream leg for one conversation: an {@linkcode UpstreamLink} that outlives the
 * upstream sessions behind it, so the browser's socket stays open across them.
 *
 * - **Replay.** Right after the relay's `session.update`, a session of a conversation that has
 *   turns already (a resume) gets them as items (`rollover_replay.ts`); their answers do not
 *   reach the browser.
 * - **`relay.conversation`.** Right after the first `session.updated`, the browser gets
 *   `{"type":"relay.conversation","conversation_id","resume_token","expires_at"}`; after each
 *   rollover the same with `"rollover": true` and `"reason"`: `"planned"` (before the
 *   session's expiry), `"expired"` (the upstream closed it with 1001 first) or `"dropped"` (any
 *   other unexpected close).
 * - **Rollover.** Within `SESSION_ROLLOVER_SECONDS` of the session's `expires_at`, at the first
 *   quiet moment (`rollover_quiet.ts`), it opens a new upstream session, sends it every
 *   `session.update` the old one got (the relay's and the browser's, in order; the last
 *   {@linkcode MAX_SESSION_UPDATES}), replays the conversation, waits for the replay's
 *   answers, then switches over and closes the old session (1000).
 * - **Reconnect.** When the live session closes unexpectedly (its expiry, 1001; a dropped
 *   connection, 1006; a server error, 1011; any code but a refusal) it does the same at once;
 *   when that repeats within {@linkcode STABLE_MS} it waits {@linkcode RECONNECT_DELAYS_MS}
 *   between tries, and after the last one sends the browser `upstream_unavailable` and reports
 *   1011 to the relay. A refusal is not retried: a close of the live session with 1000, 1008 or
 *   3000–4999 ({@linkcode isRefusal}) goes to the relay as it is, and so does a new session's
 *   refusal, or an upgrade the service answers with HTTP 4xx (408 and 429 aside) while no live
 *   session is left. The first connect failing is the relay's to report.
 * - **A response cut off.** A response in progress when the live session closes is lost with
 *   it: the browser gets a `response.done` for it at once, `status: "cancelled"`, with
 *   `status_details.error.code` `upstream_disconnected`, so that the page ends that turn; the
 *   `relay.conversation` of the reconnect follows.
 * - **Held frames.** From the start of a switch, what the relay sends waits, in order, and goes
 *   to the new session once it is ready: at most {@linkcode MAX_HELD_FRAMES} frames (10 s of
 *   20 ms audio) and {@linkcode MAX_HELD_BYTES}; past that the oldest are dropped. Every
 *   frame is counted: `sent` = to an upstream at once, `held`, `released` (held, then sent),
 *   `dropped`.
 * - **Metrics** (given `metrics`): `relay_rollovers_total` by reason, `relay_rollover_seconds`
 *   (from the start of the switch, or the drop, to the new session taking frames), and
 *   `relay_rollover_frames_total` by fate, as above.
 *
 * @module
 */
import type { ConversationLog } from "./conversation_log.ts";
import { newId } from "@/lib/shared/ids.ts";
import type { Logger } from "./log.ts";
import type { FrameFate, RelayMetrics, RolloverReason } from "./metrics.ts";
import { upstreamUnavailable } from "./relay_errors.ts";
import { conversationEvent, type ResumeToken, type ResumeTokens } from "./resume.ts";
import { QuietTracker } from "./rollover_quiet.ts";
import { Replay } from "./rollover_replay.ts";
import {
  type ConnectOptions,
  connectUpstream,
  UpstreamError,
  type UpstreamHandlers,
  type UpstreamLink,
  type UpstreamTarget,
} from "./upstream.ts";
import { parseUpstreamEvent, type UpstreamEvent } from "./upstream_event.ts";

/** At most this many frames wait during a switch (10 s of 20 ms appends)… */
export const MAX_HELD_FRAMES = 500;
/** …and this many bytes. */
export const MAX_HELD_BYTES = 2 * 1024 * 1024;
/** The last this many `session.update` events are sent again to a new session. */
export const MAX_SESSION_UPDATES = 16;
/** Waits before each reconnect after the first when closes repeat; then the relay is told. */
export const RECONNECT_DELAYS_MS: readonly number[] = [250, 1000, 2000, 4000];
/** A session that lived this long before it closed resets the reconnect backoff. */
export const STABLE_MS = 1000;
/** A new session must be configured and replayed within this long, or the switch is retried. */
export const SWITCH_TIMEOUT_MS = 10_000;
/** A session is never rolled over before it is this old (a window as long as its life). */
export const MIN_SESSION_MS = 1000;

/**
 * Whether a close of an upstream session is the service ending or refusing it on purpose (1000,
 * 1008, 3000–4999), not to be answered with a reconnect.
 */
export function isRefusal(code: number): boolean {
  return code === 1000 || code === 1008 || (code >= 3000 && code <= 4999);
}

/** Whether a connect failed because the service refused it (HTTP 4xx, but 408 and 429). */
function refusedUpgrade(error: unknown): boolean {
  if (!(error instanceof UpstreamError) || error.status === null) return false;
  return error.status >= 400 && error.status < 500 && error.status !== 408 &&
    error.status !== 429;
}

/** Options of {@linkcode connectConversation}. */
export interface ConversationLinkOptions extends ConnectOptions {
  /** The conversation: its turns and where they are saved. */
  conversation: ConversationLog;
  /** Signs the resume tokens of `relay.conversation`. */
  tokens: ResumeTokens;
  /**
   * `SESSION_ROLLOVER_SECONDS`: roll over this long before the session's `expires_at` (0: only
   * when the upstream closes).
   */
  rolloverSeconds: number;
  /** The session's logger. */
  logger: Logger;
  /** Sends the relay's own events (`relay.conversation`, and the few above) to the browser. */
  announce: (text: string) => void;
  /** Counts rollovers and frames in `/metrics`. @default {undefined} (not counted) */
  metrics?: RelayMetrics;
}

/** Frames of the browser → upstream direction, counted. */
export interface HeldCounts {
  /** Sent to an upstream at once. */
  sent: number;
  /** Held during a switch. */
  held: number;
  /** Held, then sent to the new session. */
  released: number;
  /** Held, then dropped (over the bound, or the conversation ended first). */
  dropped: number;
  /** Switches to a new upstream session (rollovers and reconnects). */
  rollovers: number;
}

/** What {@linkcode connectLeg} needs to carry a conversation. */
export interface LegConversation {
  /** The conversation: its turns and where they are saved. */
  log: ConversationLog;
  /** Signs the resume tokens of `relay.conversation`. */
  tokens: ResumeTokens;
  /** `SESSION_ROLLOVER_SECONDS` (see {@linkcode ConversationLinkOptions.rolloverSeconds}). */
  rolloverSeconds: number;
}

/**
 * The relay's upstream leg: a {@linkcode ConversationLink} for a conversation, else one plain
 * upstream session.
 */
export function connectLeg(
  target: UpstreamTarget,
  handlers: UpstreamHandlers,
  options: ConnectOptions & {
    conversation: LegConversation | null;
    logger: Logger;
    announce: (text: string) => void;
    metrics?: RelayMetrics;
  },
): Promise<UpstreamLink> {
  const { conversation, logger, announce, metrics, ...rest } = options;
  const emulatorLog = logger.with({ component: "emulator" });
  const connect = {
    ...rest,
    log: (msg: string, fields?: Record<string, unknown>) => emulatorLog.debug(msg, fields),
  };
  if (conversation === null) return connectUpstream(target, handlers, connect);
  return connectConversation(target, handlers, {
    ...connect,
    conversation: conversation.log,
    tokens: conversation.tokens,
    rolloverSeconds: conversation.rolloverSeconds,
    logger,
    announce,
    metrics,
  });
}

/** One upstream session behind the link. */
interface Leg {
  link: UpstreamLink | null;
  quiet: QuietTracker;
  replay: Replay | null;
  /** `session.update` events sent and not yet answered (while it is being prepared). */
  updatesUnanswered: number;
  openedAt: number;
  retired: boolean;
}

/**
 * Opens the first upstream session of a conversation (paused, as `options.paused` says) and
 * returns the link that carries the conversation across the sessions that follow.
 */
export async function connectConversation(
  target: UpstreamTarget,
  handlers: UpstreamHandlers,
  options: ConversationLinkOptions,
): Promise<ConversationLink> {
  const token = options.tokens.issue(options.conversation.id);
  const link = new ConversationLink(target, handlers, options);
  await link.open(await token);
  return link;
}

/** See the module comment. */
//#region the link the relay holds: one conversation over upstream sessions
export class ConversationLink implements UpstreamLink {
  readonly counts: HeldCounts = { sent: 0, held: 0, released: 0, dropped: 0, rollovers: 0 };
  #target: UpstreamTarget;
  #handlers: UpstreamHandlers;
  #options: ConversationLinkOptions;
  #log: Logger;
  #current: Leg | null = null;
  #next: Leg | null = null;
  #token: ResumeToken | null = null;
  #announced = false;
  #updates: string[] = [];
  #held: string[] = [];
  #heldBytes = 0;
  #holding = false;
  #paused = false;
  #closing = false;
  #closedReported = false;
  #attempt = 0;
  #rolloverTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #switchTimer: ReturnType<typeof setTimeout> | undefined;
  #due = false;
  /** Since when what the relay sends is held (the start of the switch, or the drop). */
  #holdingSince = 0;
  /** Why the switch under way (or the next one) happens. */
  #reason: RolloverReason = "planned";
  #frames: Readonly<Record<FrameFate, { inc(n?: number): void }>> | undefined;

  constructor(
    target: UpstreamTarget,
    handlers: UpstreamHandlers,
    options: ConversationLinkOptions,
  ) {
    this.#target = target;
    this.#handlers = handlers;
    this.#options = options;
    this.#log = options.logger.with({
      component: "conversation",
      conversation: options.conversation.id,
    });
    this.#paused = options.paused ?? false;
    this.#frames = options.metrics?.rolloverFrame;
  }

  /** Opens the first session (the relay's `connect`). */
  async open(token: ResumeToken): Promise<void> {
    this.#token = token;
    const leg = this.#newLeg();
    leg.link = await connectUpstream(this.#target, this.#legHandlers(leg), {
      ...this.#options,
      paused: this.#paused,
    });
    this.#current = leg;
  }

  get bufferedAmount(): number {
    return this.#current?.link?.bufferedAmount ?? 0;
  }

  get isOpen(): boolean {
    return !this.#closing;
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  send(text: string): void {
    if (this.#closing) return;
    const isAppend = text.includes("input_audio_buffer.append");
    if (!isAppend && text.includes('"session.update"')) this.#rememberUpdate(text);
    if (this.#holding || !this.#current?.link?.isOpen) {
      this.#hold(text);
      return;
    }
    const leg = this.#current;
    leg.link!.send(text);
    this.#count("sent");
    if (isAppend) leg.quiet.appended();
    // A resumed conversation's turns go right after the relay's own `session.update`.
    if (leg.replay === null && !isAppend && this.#updates.length === 1) {
      leg.replay = new Replay(this.#options.conversation.turns());
      for (const event of leg.replay.events) leg.link!.send(event);
      if (leg.replay.events.length > 0) {
        this.#log.info("conversation replayed", { turns: leg.replay.events.length });
      }
    }
  }

  pause(): void {
    this.#paused = true;
    this.#current?.link?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#current?.link?.resume();
  }

  close(code: number, reason: string): void {
    this.#end();
    const legs = this.#liveLegs();
    if (legs.length === 0) this.#reportClose(code, reason);
    for (const leg of legs) leg.link!.close(code, reason);
  }

  terminate(): void {
    this.#end();
    const legs = this.#liveLegs();
    if (legs.length === 0) this.#reportClose(1006, "");
    for (const leg of legs) leg.link!.terminate();
  }

  /** The sessions whose close is still to come. */
  #liveLegs(): Leg[] {
    return [this.#current, this.#next].filter((leg): leg is Leg => !!leg?.link && !leg.retired);
  }

  #end(): void {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#rolloverTimer);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#switchTimer);
    if (this.#held.length > 0) this.#count("dropped", this.#held.length);
    this.#held = [];
    this.#heldBytes = 0;
  }

  #reportClose(code: number, reason: string): void {
    if (this.#closedReported) return;
    this.#closedReported = true;
    // Asynchronously, as every link reports.
    queueMicrotask(() => this.#handlers.close(code, reason));
  }

  #rememberUpdate(text: string): void {
    let type: unknown;
    try {
      type = JSON.parse(text).type;
    } catch {
      return;
    }
    if (type !== "session.update") return;
    // The relay's own update (the first) is always kept; the browser's latest ones after it.
    this.#updates.push(text);
    if (this.#updates.length > MAX_SESSION_UPDATES) this.#updates.splice(1, 1);
  }

  #hold(text: string): void {
    this.#held.push(text);
    this.#heldBytes += text.length;
    this.#count("held");
    while (this.#held.length > MAX_HELD_FRAMES || this.#heldBytes > MAX_HELD_BYTES) {
      this.#heldBytes -= this.#held.shift()!.length;
      this.#count("dropped");
    }
  }

  /** Counts `n` frames of `fate` (in `counts` and `/metrics`). */
  #count(fate: FrameFate, n = 1): void {
    this.counts[fate] += n;
    this.#frames?.[fate].inc(n);
  }

  /** Holds what the relay sends from now on (until a switch or an abandoned one ends it). */
  #startHolding(): void {
    if (this.#holding) return;
    this.#holding = true;
    this.#holdingSince = performance.now();
  }

  #newLeg(): Leg {
    return {
      link: null,
      quiet: new QuietTracker(),
      replay: null,
      updatesUnanswered: 0,
      openedAt: performance.now(),
      retired: false,
    };
  }

  #legHandlers(leg: Leg): UpstreamHandlers {
    return {
      message: (data) => this.#onMessage(leg, data),
      close: (code, reason) => this.#onClose(leg, code, reason),
      error: (error) => this.#handlers.error?.(error),
    };
  }

  //#region upstream → relay

  #onMessage(leg: Leg, data: string | Uint8Array): void {
    if (leg.retired || this.#closing) return;
    if (leg === this.#next) {
      this.#onPreparing(leg, data);
      return;
    }
    if (typeof data !== "string" || !interesting(data)) {
      this.#handlers.message(data);
      return;
    }
    const event = parseUpstreamEvent(data);
    if (event === null) {
      this.#handlers.message(data);
      return;
    }
    if (leg.replay?.answers(event, (e) => this.#replayRefused(e))) return;
    const mayBeQuiet = leg.quiet.observe(event);
    this.#options.conversation.observe(event);
    this.#handlers.message(data);
    if (event.type === "session.created" || event.type === "session.updated") {
      this.#armRollover(leg);
    }
    if (event.type === "session.updated" && !this.#announced) {
      this.#announced = true;
      this.#announce(null);
    }
    if (mayBeQuiet && this.#due) this.#maybeRollOver();
  }

  /** Events of a session being prepared: configured, then replayed, then switched to. */
  #onPreparing(leg: Leg, data: string | Uint8Array): void {
    if (typeof data !== "string") return;
    const event = parseUpstreamEvent(data);
    if (event === null) return;
    leg.quiet.observe(event);
    if (leg.replay?.answers(event, (e) => this.#replayRefused(e))) {
      if (leg.replay.complete && leg.updatesUnanswered === 0) this.#switchTo(leg);
      return;
    }
    switch (event.type) {
      case "session.created":
        for (const update of this.#updates) leg.link!.send(update);
        leg.updatesUnanswered = this.#updates.length;
        leg.replay = new Replay(this.#options.conversation.turns());
        for (const item of leg.replay.events) leg.link!.send(item);
        if (leg.updatesUnanswered === 0 && leg.replay.complete) this.#switchTo(leg);
        return;
      case "session.updated":
      case "error":
        // An update the new session refuses was refused by the old one too.
        if (event.type === "error" && leg.updatesUnanswered === 0) {
          this.#log.warn("new upstream session sent an error while being prepared", {
            code: String((event.error as { code?: unknown })?.code ?? "null"),
          });
          return;
        }
        leg.updatesUnanswered = Math.max(0, leg.updatesUnanswered - 1);
        if (leg.updatesUnanswered === 0 && leg.replay?.complete) this.#switchTo(leg);
        return;
      default:
        return;
    }
  }

  #replayRefused(event: UpstreamEvent): void {
    const error = event.error as { code?: unknown; message?: unknown } | undefined;
    this.#log.warn("upstream refused a replayed turn", {
      code: String(error?.code ?? "null"),
      message: String(error?.message ?? ""),
    });
  }

  /** Sends `relay.conversation`: after a rollover (with its reason), or the first. */
  #announce(rollover: RolloverReason | null): void {
    const token = this.#token;
    if (token === null || this.#closing) return;
    const id = this.#options.conversation.id;
    this.#options.announce(conversationEvent(id, token, rollover !== null, rollover ?? undefined));
  }

  /** Ends, for the browser, each response `leg` had in progress: it is lost with the session. */
  #cancelResponses(leg: Leg): void {
    for (const response of leg.quiet.responsesInProgress) {
      this.#options.announce(JSON.stringify({
        type: "response.done",
        event_id: newId("event"),
        response: {
          ...response,
          status: "cancelled",
          status_details: {
            type: "cancelled",
            error: { type: "server_error", code: "upstream_disconnected" },
          },
          usage: null,
        },
      }));
    }
  }

  //#endregion

  //#region rollover

  #armRollover(leg: Leg): void {
    const expiresAt = leg.quiet.expiresAtMs;
    if (expiresAt === null || leg !== this.#current || this.#options.rolloverSeconds <= 0) return;
    clearTimeout(this.#rolloverTimer);
    const dueIn = Math.max(
      expiresAt - this.#options.rolloverSeconds * 1000 - Date.now(),
      MIN_SESSION_MS - (performance.now() - leg.openedAt),
      0,
    );
    this.#rolloverTimer = setTimeout(() => {
      this.#due = true;
      this.#maybeRollOver();
    }, Math.min(dueIn, 2 ** 31 - 1));
  }

  #maybeRollOver(): void {
    const current = this.#current;
    if (this.#closing || this.#next || !current?.link || !current.quiet.quiet) return;
    if (current.link.bufferedAmount > 0) return;
    this.#log.info("rolling over to a new upstream session", {
      expiresAt: current.quiet.expiresAtMs,
    });
    this.#reason = "planned";
    this.#startSwitch();
  }

  /** Opens the next session and holds what the relay sends until it is ready. */
  async #startSwitch(): Promise<void> {
    this.#due = false;
    this.#startHolding();
    const leg = this.#newLeg();
    this.#next = leg;
    clearTimeout(this.#switchTimer);
    this.#switchTimer = setTimeout(() => {
      if (this.#next !== leg) return;
      this.#log.warn("new upstream session not ready in time; trying again");
      this.#abandon(
        leg,
        new UpstreamError(
          `Cannot open the upstream: no answer within ${SWITCH_TIMEOUT_MS} ms`,
        ),
      );
    }, SWITCH_TIMEOUT_MS);
    let link: UpstreamLink;
    try {
      // The token of the next `relay.conversation`, signed meanwhile.
      const token = this.#options.tokens.issue(this.#options.conversation.id);
      link = await connectUpstream(this.#target, this.#legHandlers(leg), {
        ...this.#options,
        paused: true,
      });
      this.#token = await token;
    } catch (error) {
      if (this.#next !== leg) return;
      this.#log.warn("new upstream session could not be opened", {
        error: error instanceof Error ? error.message : String(error),
      });
      this.#abandon(leg, error);
      return;
    }
    if (this.#closing || this.#next !== leg) {
      link.terminate();
      return;
    }
    leg.link = link;
    link.resume();
  }

  /**
   * The next session failed (`error` says why). While the live one lives, what was held goes
   * to it and the rollover is tried again later; without one, reconnect after the backoff's
   * next wait, or end: past the last wait, or at once when the service refused the upgrade.
   */
  #abandon(leg: Leg, error: unknown): void {
    leg.retired = true;
    leg.link?.terminate();
    if (this.#next === leg) this.#next = null;
    clearTimeout(this.#switchTimer);
    if (this.#closing) return;
    if (this.#live()) {
      this.#holding = false;
      this.#release(this.#current!);
    } else if (refusedUpgrade(error)) {
      this.#giveUp(error);
      return;
    }
    this.#retry(error);
  }

  /** Whether the current session is still open (no switch is forced on the conversation). */
  #live(): boolean {
    const current = this.#current;
    return !!current && !current.retired && !!current.link?.isOpen;
  }

  /** Ends the conversation: no new session could be opened (`error`: the last failure). */
  #giveUp(error: unknown): void {
    this.#log.error("upstream unavailable; ending the session", {
      error: error instanceof Error ? error.message : String(error),
    });
    this.#end();
    const event = upstreamUnavailable(error);
    this.#options.metrics?.countError("relay", event.error.code);
    this.#options.announce(JSON.stringify(event));
    this.#reportClose(1011, "upstream unavailable");
  }

  /**
   * Schedules the next try at a new session. Past the last wait, ends the conversation when no
   * live session is left, else gives up rolling over: the live session goes on until the
   * upstream closes it (a reconnect, with a fresh backoff).
   */
  #retry(error: unknown): void {
    const attempt = this.#attempt++;
    const delay = attempt === 0 ? 0 : RECONNECT_DELAYS_MS[attempt - 1];
    if (delay === undefined) {
      if (!this.#live()) {
        this.#giveUp(error);
        return;
      }
      this.#log.warn("rollover given up; the live upstream session goes on", {
        error: error instanceof Error ? error.message : String(error),
      });
      this.#attempt = 0;
      return;
    }
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (this.#closing || this.#next) return;
      const current = this.#current;
      if (current && !current.retired) {
        // The live session goes on: roll over at its next quiet moment.
        this.#due = true;
        this.#maybeRollOver();
      } else {
        this.#startSwitch();
      }
    }, delay);
  }

  /** Sends what was held to `leg`, in order. */
  #release(leg: Leg): void {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const text of held) {
      leg.link!.send(text);
      this.#count("released");
      if (text.includes("input_audio_buffer.append")) leg.quiet.appended();
    }
  }

  #switchTo(leg: Leg): void {
    if (this.#next !== leg || this.#closing || leg.link === null) return;
    clearTimeout(this.#switchTimer);
    const old = this.#current;
    this.#next = null;
    this.#current = leg;
    if (old) {
      old.retired = true;
      if (performance.now() - old.openedAt >= STABLE_MS) this.#attempt = 0;
      old.link?.close(1000, "rolled over to a new session");
    }
    this.#options.conversation.nextSession();
    this.counts.rollovers++;
    if (this.#paused) leg.link!.pause();
    this.#holding = false;
    const reason = this.#reason;
    this.#reason = "planned";
    this.#announce(reason);
    this.#release(leg);
    const switchMs = performance.now() - this.#holdingSince;
    this.#options.metrics?.rollovers.inc({ reason });
    this.#options.metrics?.rolloverSeconds.observe(switchMs / 1000);
    this.#log.info("rolled over to a new upstream session", {
      reason,
      switchMs: Math.round(switchMs),
      replayed: leg.replay?.events.length ?? 0,
      ...this.counts,
    });
    this.#armRollover(leg);
  }

  #onClose(leg: Leg, code: number, reason: string): void {
    if (leg.retired) return;
    if (this.#closing) {
      leg.retired = true;
      if (this.#liveLegs().length === 0) this.#reportClose(code, reason);
      return;
    }
    if (leg === this.#next) {
      this.#log.warn("new upstream session closed while being prepared", { code, reason });
      if (isRefusal(code) && !this.#live()) {
        // Refused, and no session left to go on with: the relay tells the browser.
        leg.retired = true;
        this.#refused(code, reason);
        return;
      }
      this.#abandon(leg, new UpstreamError(`Cannot open the upstream: it closed (${code})`));
      return;
    }
    // The live session ended first.
    if (isRefusal(code)) {
      leg.retired = true;
      this.#refused(code, reason);
      return;
    }
    leg.retired = true;
    if (performance.now() - leg.openedAt >= STABLE_MS) this.#attempt = 0;
    this.#reason = code === 1001 ? "expired" : "dropped";
    this.#log.info("upstream session closed; reconnecting", { code, reason });
    this.#cancelResponses(leg);
    this.#startHolding();
    if (this.#next) return; // a switch is under way already
    this.#retry(new UpstreamError(`Cannot open the upstream: it closed (${code})`));
  }

  /** Ends the conversation with the service's refusal, passed to the relay as it came. */
  #refused(code: number, reason: string): void {
    this.#end();
    for (const leg of this.#liveLegs()) leg.link!.terminate();
    this.#reportClose(code, reason);
  }
  //#endregion
}
//#endregion

/** Whether a frame may matter to the link (every type but the audio and text streams). */
function interesting(text: string): boolean {
  // Deltas are most of the traffic and never matter here; skip parsing them.
  return !text.includes('.delta"');
}
