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

/** Installed before any page script: wraps WebSocket and watches the island. */
function recorder() {
  const log = {
    sent: [],
    received: [],
    states: [],
    maxAssistantLevel: 0,
    assistantLevels: [],
    notices: [],
  } as {
    sent: { t: number; data: string | null; binary: boolean }[];
    received: { t: number; data: string }[];
    states: { t: number; state: string }[];
    maxAssistantLevel: number;
    assistantLevels: { t: number; v: number }[];
    notices: string[];
  };
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

  /** Starts a session, then takes `server` away: resolves once the page is reconnecting. */
  async startThenLose(server: { shutdown(): Promise<void> }): Promise<void> {
    await this.page.click('[data-testid="power"]');
    await this.waitForRunning();
    await server.shutdown();
    await this.waitForState("reconnecting", 10000);
  }

  log(): Promise<PageLog> {
    return this.page.evaluate(() => (globalThis as unknown as { __voiceLog: PageLog }).__voiceLog);
  }

  /** Client events the page sent, parsed (binary frames as `{binary: true}`). */
  async sentEvents(): Promise<{ t: number; event: Record<string, unknown> & { type: string } }[]> {
    return (await this.log()).sent.map((s) => ({
      t: s.t,
      event: s.data === null ? { type: "(binary)" } : JSON.parse(s.data),
    }));
  }

  /** Server events the page received, parsed. */
  async receivedEvents(): Promise<
    { t: number; event: Record<string, unknown> & { type: string } }[]
  > {
    return (await this.log()).received.map((r) => ({ t: r.t, event: JSON.parse(r.data) }));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.browser.close();
  }
}

/** Milliseconds of 24 kHz PCM16 audio in an append or delta's base64. */
export function base64AudioMs(text: string): number {
  return decodeBase64(text).length / BYTES_PER_MS;
}
