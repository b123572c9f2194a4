/**
 * The replay of a conversation into a new upstream session: one `conversation.item.create`
 * per kept turn, in the GA shape (a user turn as `input_text`, an assistant turn as
 * `output_text`), each with an item id and an event id the relay chose, so that the upstream's
 * answers to them (`conversation.item.added`, `.done`, or an `error`) can be told apart from
 * the live conversation's and kept from the browser.
 *
 * The browser does not see the replay: its page already shows those turns (it kept its
 * transcript across the reconnect or never lost it in a rollover), and items announced again
 * would show them twice, or above the turns that follow.
 *
 * @module
 */
import { newId } from "@/lib/shared/ids.ts";
import type { Turn } from "./conversation_log.ts";
import type { UpstreamEvent } from "./upstream_event.ts";

/** The events of one replay and the ids they carry. */
export class Replay {
  /** The `conversation.item.create` events, as JSON text, in conversation order. */
  readonly events: string[] = [];
  #itemIds = new Set<string>();
  #eventIds = new Set<string>();
  #lastItemId: string | null = null;
  #pending: number;

  constructor(turns: readonly Turn[]) {
    for (const turn of turns) {
      const id = newId("item");
      const eventId = newId("event");
      this.#itemIds.add(id);
      this.#eventIds.add(eventId);
      this.#lastItemId = id;
      const part = turn.role === "user"
        ? { type: "input_text", text: turn.text }
        : { type: "output_text", text: turn.text };
      this.events.push(JSON.stringify({
        type: "conversation.item.create",
        event_id: eventId,
        item: { id, type: "message", role: turn.role, content: [part] },
      }));
    }
    this.#pending = turns.length;
  }

  /** Whether every replayed item has been answered (done, or refused with an error). */
  get complete(): boolean {
    return this.#pending === 0;
  }

  /** The item ids the replay created. */
  get itemIds(): ReadonlySet<string> {
    return this.#itemIds;
  }

  /**
   * Whether `event` answers the replay (and is not for the browser); counts the answers.
   * `refused` is called with an `error` the upstream sent for a replayed item.
   */
  answers(event: UpstreamEvent, refused?: (event: UpstreamEvent) => void): boolean {
    if (this.#itemIds.size === 0) return false;
    switch (event.type) {
      case "conversation.item.added":
      case "conversation.item.done": {
        const id = (event.item as { id?: unknown } | undefined)?.id;
        if (typeof id !== "string" || !this.#itemIds.has(id)) return false;
        if (event.type === "conversation.item.done") this.#pending--;
        return true;
      }
      case "error": {
        const eventId = (event.error as { event_id?: unknown } | undefined)?.event_id;
        if (typeof eventId !== "string" || !this.#eventIds.has(eventId)) return false;
        this.#pending--;
        refused?.(event);
        return true;
      }
      default:
        return false;
    }
  }

  /** The id of the last replayed item, or null for an empty replay. */
  get lastItemId(): string | null {
    return this.#lastItemId;
  }
}
