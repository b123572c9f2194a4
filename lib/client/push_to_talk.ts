/**
 * Push-to-talk: with it on, audio goes to the service only while the button (or key) is held,
 * and a release commits what was said, unless it is shorter than the service's minimum
 * commit ({@linkcode MIN_COMMIT_MS}), which the service would refuse.
 *
 * Only the rules live here; the controller sends the events they call for.
 *
 * @module
 */
import { FRAME_MS } from "@/lib/shared/audio_format.ts";
import { MIN_COMMIT_MS } from "@/lib/shared/realtime/limits.ts";

/** What a release calls for. */
export type Release =
  /** Nothing was held. */
  | { type: "none" }
  /** Held too briefly: nothing to commit (the service would answer with an error). */
  | { type: "too-short"; heldMs: number; minMs: number }
  /** Commit the buffer and ask for a response. */
  | { type: "commit"; heldMs: number };

/** Whether push-to-talk is on, whether it is held, and how much audio went while held. */
export class PushToTalk {
  #enabled = false;
  #held = false;
  #sentMs = 0;

  get enabled(): boolean {
    return this.#enabled;
  }

  get held(): boolean {
    return this.#held;
  }

  /** Switches push-to-talk on or off; a hold in progress is dropped. */
  setEnabled(on: boolean): void {
    this.#enabled = on;
    this.#held = false;
  }

  /** The button went down: true when a hold starts (on, and not already held). */
  press(): boolean {
    if (!this.#enabled || this.#held) return false;
    this.#held = true;
    this.#sentMs = 0;
    return true;
  }

  /** A 20 ms frame was captured: true when it goes to the service. */
  frame(): boolean {
    if (!this.#held) return !this.#enabled;
    this.#sentMs += FRAME_MS;
    return true;
  }

  /** The button went up. */
  release(): Release {
    if (!this.#held) return { type: "none" };
    this.#held = false;
    const heldMs = this.#sentMs;
    return heldMs < MIN_COMMIT_MS
      ? { type: "too-short", heldMs, minMs: MIN_COMMIT_MS }
      : { type: "commit", heldMs };
  }

  /** The session went away (stop or reconnect): no hold survives it. */
  reset(): void {
    this.#held = false;
  }
}
