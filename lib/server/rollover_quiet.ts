/**
 * When an upstream session may be swapped for a new one without anyone noticing: no response
 * in progress (`response.created` … `response.done`), no user speech (`speech_started` …
 * `committed` or `cleared`), and, without server VAD, no audio appended since the last commit
 * or clear (push to talk: the user is holding the button). Also reads the session's
 * `expires_at` (Unix seconds) from `session.created` and `session.updated`, and keeps the
 * responses in progress (their `response.created` objects), so that a session that drops can
 * end them for the browser.
 *
 * @module
 */
import type { UpstreamEvent } from "./upstream_event.ts";

/** What an upstream session is doing, as far as a rollover cares. */
export class QuietTracker {
  #responding = 0;
  /** The responses created and not yet done, by id. */
  #responses = new Map<string, Record<string, unknown>>();
  #speaking = false;
  #vad = true;
  #appended = 0;
  /** The session's `expires_at` in milliseconds since the epoch, once known. */
  expiresAtMs: number | null = null;

  /** Whether nothing is going on. */
  get quiet(): boolean {
    return this.#responding === 0 && !this.#speaking && (this.#vad || this.#appended === 0);
  }

  /** Notes an event from the upstream; true when it may have made the session quiet. */
  observe(event: UpstreamEvent): boolean {
    switch (event.type) {
      case "session.created":
      case "session.updated": {
        const session = event.session as {
          expires_at?: unknown;
          audio?: { input?: { turn_detection?: unknown } };
        } | undefined;
        if (typeof session?.expires_at === "number" && session.expires_at > 0) {
          this.expiresAtMs = session.expires_at * 1000;
        }
        const turnDetection = session?.audio?.input?.turn_detection;
        if (turnDetection !== undefined) this.#vad = turnDetection !== null;
        return true;
      }
      case "response.created": {
        this.#responding++;
        const response = event.response as Record<string, unknown> | undefined;
        if (typeof response?.id === "string") this.#responses.set(response.id, response);
        return false;
      }
      case "response.done": {
        this.#responding = Math.max(0, this.#responding - 1);
        const id = (event.response as { id?: unknown } | undefined)?.id;
        if (typeof id === "string") this.#responses.delete(id);
        return true;
      }
      case "input_audio_buffer.speech_started":
        this.#speaking = true;
        return false;
      case "input_audio_buffer.committed":
      case "input_audio_buffer.cleared":
        this.#speaking = false;
        this.#appended = 0;
        return true;
      default:
        return false;
    }
  }

  /** The responses created and not yet done (their `response.created` objects), oldest first. */
  get responsesInProgress(): Record<string, unknown>[] {
    return [...this.#responses.values()];
  }

  /** Notes audio sent to the upstream (it counts without server VAD). */
  appended(): void {
    this.#appended++;
  }
}
