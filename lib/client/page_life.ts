/**
 * The page's life on a phone: a screen wake lock while a session runs (where the browser has
 * one), and the page hidden, shown or left (`visibilitychange`, `pagehide`, `pageshow`).
 *
 * A wake lock is released by the browser whenever the page is hidden, so
 * {@linkcode ScreenWake} asks again when it becomes visible while it is wanted.
 *
 * @module
 */

/** The part of `navigator.wakeLock` used here. */
export interface WakeLockApi {
  request(type: "screen"): Promise<{ release(): Promise<void> }>;
}

/** Keeps the screen on while wanted, where the browser allows it. */
export class ScreenWake {
  #api: WakeLockApi | null;
  #wanted = false;
  #sentinel: { release(): Promise<void> } | null = null;

  /** `api`: the browser's wake lock (null: none, nothing happens). */
  constructor(api: WakeLockApi | null = browserWakeLock()) {
    this.#api = api;
  }

  /** Whether a lock is held now. */
  get held(): boolean {
    return this.#sentinel !== null;
  }

  /** Keeps the screen on from now until {@linkcode release}. */
  async acquire(): Promise<void> {
    this.#wanted = true;
    if (this.#api === null || this.#sentinel !== null) return;
    try {
      const sentinel = await this.#api.request("screen");
      if (!this.#wanted) return void sentinel.release().catch(() => {});
      this.#sentinel = sentinel;
    } catch {
      // Refused (hidden page, battery saver, policy): the session runs without it.
    }
  }

  /** The page became visible again: the browser dropped the lock while hidden. */
  async visible(): Promise<void> {
    this.#sentinel = null;
    if (this.#wanted) await this.acquire();
  }

  /** Lets the screen sleep again. */
  async release(): Promise<void> {
    this.#wanted = false;
    const sentinel = this.#sentinel;
    this.#sentinel = null;
    await sentinel?.release().catch(() => {});
  }
}

function browserWakeLock(): WakeLockApi | null {
  const nav = (globalThis as { navigator?: { wakeLock?: WakeLockApi } }).navigator;
  return nav?.wakeLock ?? null;
}

/** What {@linkcode watchPageLife} reports. */
export interface PageLifeHandlers {
  /** The page is being left or frozen into the back/forward cache (`pagehide`). */
  onHide(): void;
  /** The page came back from the back/forward cache (`pageshow` persisted). */
  onShow(): void;
  /** The page became visible (`visibilitychange`). */
  onVisible(): void;
  /** The first tap or key on the page (audio may be unlocked in it). */
  onFirstGesture(): void;
}

/** Listens to the page's life (where there is a `window`); returns what stops listening. */
export function watchPageLife(handlers: PageLifeHandlers): () => void {
  const win = globalThis as unknown as Partial<Window> & typeof globalThis;
  if (typeof win.addEventListener !== "function" || typeof document === "undefined") {
    return () => {};
  }
  const hide = () => handlers.onHide();
  const show = (e: Event) => {
    if ((e as PageTransitionEvent).persisted) handlers.onShow();
  };
  const visibility = () => {
    if (document.visibilityState === "visible") handlers.onVisible();
  };
  const gesture = () => {
    document.removeEventListener("pointerdown", gesture, true);
    document.removeEventListener("keydown", gesture, true);
    handlers.onFirstGesture();
  };
  win.addEventListener("pagehide", hide);
  win.addEventListener("pageshow", show);
  document.addEventListener("visibilitychange", visibility);
  document.addEventListener("pointerdown", gesture, true);
  document.addEventListener("keydown", gesture, true);
  return () => {
    win.removeEventListener("pagehide", hide);
    win.removeEventListener("pageshow", show);
    document.removeEventListener("visibilitychange", visibility);
    document.removeEventListener("pointerdown", gesture, true);
    document.removeEventListener("keydown", gesture, true);
  };
}
