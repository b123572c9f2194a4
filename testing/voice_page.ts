/**
 * Drives the voice page in headless Chromium with a WAV file as the microphone, and records
 * what the page does from inside it: every WebSocket send (with `performance.now()`), every
 * message received, every `data-voice-state` change and the assistant's level.
 *
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { BYTES_PER_MS } from "@/lib/shared/audio_format.ts";
import { decodeBase64 } from "@/lib/shared/base64.ts";
import { launchBrowser } from "./browser.ts";
import { fixturePath } from "./fixtures.ts";
import { sleep } from "./wait.ts";

/** What the page recorded. */
export interface PageLog {
  sent: { t: number; data: string | null; binary: boolean }[];
  received: { t: number; data: string }[];
  states: { t: number; state: string }[];
  maxAssistantLevel: number;
  /** The coach meter's value each time it changed (sampled every 10 ms). */
  assistantLevels: { t: number; v: number }[];
  /** Every text the notices area showed, in order (a banner that hides itself stays here). */
  notices: string[];
}

/** An event the page sent or received, parsed, with when (`performance.now()` in the page). */
export interface LoggedEvent {
  t: number;
  event: Record<string, unknown> & { type: string };
}

/** What {@linkcode VoicePage.untilBargeIn} saw. */
export interface BargeIn {
  log: PageLog;
  /** The client events in `log`, parsed. */
  sent: LoggedEvent[];
  /** The server events in `log`, parsed. */
  received: LoggedEvent[];
  /** The page's `conversation.item.truncate`. */
  truncate: LoggedEvent;
  /** The server's `input_audio_buffer.speech_started` the barge-in answered. */
  speechStarted: LoggedEvent;
}

/** The client events in `log`, parsed (binary frames as `{type: "(binary)"}`). */
function sentEvents(log: PageLog): LoggedEvent[] {
  return log.sent.map((s) => ({
    t: s.t,
    event: s.data === null ? { type: "(binary)" } : JSON.parse(s.data),
  }));
}

/** The server events in `log`, parsed. */
function receivedEvents(log: PageLog): LoggedEvent[] {
  return log.received.map((r) => ({ t: r.t, event: JSON.parse(r.data) }));
}

/** Installed before any page script: wraps WebSocket and watches the island. */
function recorder() {
  const log = {
    sent: [],
    received: [],
    states: [],
    maxAssistantLevel: 0,
    assistantLevels: [],
    notices: [],
  } as PageLog; // a type only: nothing of this module's scope runs in the page
  (globalThis as unknown as { __voiceLog: typeof log }).__voiceLog = log;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    log.sent.push({
      t: performance.now(),
      data: typeof data === "string" ? data : null,
      binary: typeof data !== "string",
    });
    return send.call(this, data);
  };
  const Native = WebSocket;
  globalThis.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("message", (e) => {
        if (typeof e.data === "string") log.received.push({ t: performance.now(), data: e.data });
      });
    }
  } as typeof WebSocket;
  const watch = () => {
    const root = document.querySelector("[data-voice-state]");
    if (!root) return setTimeout(watch, 20);
    const note = () => {
      const state = root.getAttribute("data-voice-state")!;
      if (log.states.at(-1)?.state !== state) log.states.push({ t: performance.now(), state });
    };
    note();
    new MutationObserver(note).observe(root, {
      attributes: true,
      attributeFilter: ["data-voice-state"],
    });
    const notices = root.querySelector(".notices");
    if (notices) {
      new MutationObserver(() => {
        const text = notices.textContent?.trim() ?? "";
        if (text && log.notices.at(-1) !== text) log.notices.push(text);
      }).observe(notices, { subtree: true, childList: true, characterData: true });
    }
    setInterval(() => {
      const meter = document.querySelector<HTMLMeterElement>('[data-testid="assistant-level"]');
      if (!meter) return;
      log.maxAssistantLevel = Math.max(log.maxAssistantLevel, meter.value);
      if (log.assistantLevels.at(-1)?.v !== meter.value) {
        log.assistantLevels.push({ t: performance.now(), v: meter.value });
      }
    }, 10);
  };
  document.addEventListener("DOMContentLoaded", watch);
}

export interface VoicePageOptions {
  /** WAV file in tests/fixtures played as the microphone. */
  microphone?: string;
  /** Play the file once instead of looping it. */
  once?: boolean;
  /** Extra Chromium flags. */
  args?: string[];
  /** Do not grant the microphone (no fake permission UI). */
  denyMicrophone?: boolean;
  /**
   * Wait until the power button can be pressed (false: only until the island hydrated, for a
   * page that cannot run).
   * @default true
   */
  waitReady?: boolean;
}

export class VoicePage implements AsyncDisposable {
  readonly browser: Browser;
  readonly page: Page;
  readonly errors: string[] = [];

  private constructor(browser: Browser, page: Page) {
    this.browser = browser;
    this.page = page;
    page.on("pageerror", (e) => this.errors.push(String(e)));
  }

  static async open(url: string, options: VoicePageOptions = {}): Promise<VoicePage> {
    const mic = `${fixturePath(options.microphone ?? "speech_48k.wav")}${
      options.once ? "%noloop" : ""
    }`;
    const args = options.denyMicrophone
      ? ["--use-fake-device-for-media-stream", "--deny-permission-prompts", ...(options.args ?? [])]
      : options.args;
    const browser = await launchBrowser({
      fakeMicrophone: options.denyMicrophone ? undefined : mic,
      args,
    });
    const page = await browser.newPage();
    await page.addInitScript(recorder);
    const voice = new VoicePage(browser, page);
    await page.goto(url);
    await page.waitForSelector(
      options.waitReady === false
        ? '[data-island="VoiceSession"][data-hydrated="true"]'
        : '[data-testid="power"]:not([disabled])',
    );
    return voice;
  }

  state(): Promise<string | null> {
    return this.page.getAttribute("[data-voice-state]", "data-voice-state");
  }

  /** Waits until the island is in `state` (polling the attribute). */
  async waitForState(state: string, timeoutMs = 15000): Promise<void> {
    await this.page.waitForSelector(`[data-voice-state="${state}"]`, { timeout: timeoutMs });
  }

  /** Waits until a session is up: listening, or already hearing or speaking. */
  async waitForRunning(timeoutMs = 15000): Promise<void> {
    await this.page.waitForSelector(
      '[data-voice-state="listening"], [data-voice-state="user-speaking"], [data-voice-state="assistant-speaking"]',
      { timeout: timeoutMs },
    );
  }

  /** Waits until the page sent a message whose text contains `fragment`. */
  async waitForSent(fragment: string, timeoutMs = 30000): Promise<void> {
    await this.page.waitForFunction(
      (fragment) =>
        (globalThis as unknown as { __voiceLog: PageLog }).__voiceLog.sent.some((s) =>
          s.data?.includes(fragment)
        ),
      fragment,
      { timeout: timeoutMs },
    );
  }

  /** Waits until the notices area has shown `text` (even if it has hidden itself since). */
  async waitForNotice(text: string, timeoutMs = 15000): Promise<void> {
    await this.page.waitForFunction(
      (text) =>
        (globalThis as unknown as { __voiceLog: PageLog }).__voiceLog.notices.some((n) =>
          n.includes(text)
        ),
      text,
      { timeout: timeoutMs },
    );
  }

  /**
   * Presses the power button and waits until the session is up ({@linkcode waitForRunning}).
   * With `pushToTalk`, push-to-talk is switched on first and the wait is for `listening` (at
   * rest it sends nothing, so nothing moves it on).
   */
  async start(options: { pushToTalk?: boolean } = {}): Promise<void> {
    if (options.pushToTalk) await this.page.check('[data-testid="ptt-toggle"]');
    await this.page.click('[data-testid="power"]');
    if (options.pushToTalk) await this.waitForState("listening");
    else await this.waitForRunning();
  }

  /**
   * Starts a session and waits for its first barge-in: the looping microphone speaks again over
   * the coach's answer and the page sends `conversation.item.truncate`. Then waits `settleMs`
   * more, and resolves with what the page recorded (also parsed), the truncate and the last
   * `input_audio_buffer.speech_started` the page received before it.
   */
  async untilBargeIn(settleMs: number): Promise<BargeIn> {
    await this.page.click('[data-testid="power"]');
    await this.waitForSent("conversation.item.truncate");
    await sleep(settleMs);
    const log = await this.log();
    const sent = sentEvents(log);
    const received = receivedEvents(log);
    const truncate = sent.find((s) => s.event.type === "conversation.item.truncate")!;
    const speechStarted = received.filter((r) =>
      r.event.type === "input_audio_buffer.speech_started" && r.t <= truncate.t
    ).at(-1)!;
    return { log, sent, received, truncate, speechStarted };
  }

  /** Starts a session, then takes `server` away: resolves once the page is reconnecting. */
  async startThenLose(server: { shutdown(): Promise<void> }): Promise<void> {
    await this.start();
    await server.shutdown();
    await this.waitForState("reconnecting", 10000);
  }

  log(): Promise<PageLog> {
    return this.page.evaluate(() => (globalThis as unknown as { __voiceLog: PageLog }).__voiceLog);
  }

  /** Client events the page sent, parsed (binary frames as `{type: "(binary)"}`). */
  async sentEvents(): Promise<LoggedEvent[]> {
    return sentEvents(await this.log());
  }

  /** Server events the page received, parsed. */
  async receivedEvents(): Promise<LoggedEvent[]> {
    return receivedEvents(await this.log());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.browser.close();
  }
}

/** Milliseconds of 24 kHz PCM16 audio in an append or delta's base64. */
export function base64AudioMs(text: string): number {
  return decodeBase64(text).length / BYTES_PER_MS;
}
