/**
 * The conversation of an emulated session: its items in order, each with the audio of its
 * audio content parts (24 kHz mono PCM16), which item events never carry but
 * `conversation.item.retrieve` does.
 *
 * Audio is capped per conversation ({@linkcode MAX_CONVERSATION_AUDIO_BYTES}): past the cap
 * the oldest items lose their bytes but keep their length, so truncation checks still work
 * and only a retrieve of an old item comes back without audio (and an echo of it plays the
 * tone). The last item always keeps its audio, so the total may pass the cap only by an item
 * that is alone larger: the session's input buffer holds less than the cap, so a committed turn
 * never is.
 *
 * @module
 */

import { BYTES_PER_MS } from "../../shared/audio_format.ts";
import { newId } from "../../shared/ids.ts";
import type { Item } from "../../shared/realtime/mod.ts";
import type { UserTurn } from "../coach/local_coach.ts";

/** 6 MiB: about 2.2 minutes of 24 kHz PCM16 kept per session (the last turns and replies). */
export const MAX_CONVERSATION_AUDIO_BYTES = 6 * 1024 * 1024;

/** An item and the audio of its content parts. */
export interface StoredItem {
  item: Item;
  /** Per content index: the part's audio, or null (not audio, or dropped past the cap). */
  audio: (Uint8Array | null)[];
  /** Per content index: ms of audio the part holds (kept when the bytes are dropped). */
  audioMs: number[];
}

/** `previous_item_id` meaning "insert at the start". */
export const ROOT_ITEM_ID = "root";

/** Ordered items of one conversation. */
export class Conversation {
  /** `conv_…`, reported as a response's `conversation_id`. */
  readonly id: string = newId("conv");
  #order: string[] = [];
  #items = new Map<string, StoredItem>();
  #audioBytes = 0;

  /** Number of items. */
  get size(): number {
    return this.#order.length;
  }

  /** Bytes of audio held, over every item. */
  get audioBytes(): number {
    return this.#audioBytes;
  }

  /** Id of the last item, or null when empty. */
  get lastId(): string | null {
    return this.#order.at(-1) ?? null;
  }

  has(itemId: string): boolean {
    return this.#items.has(itemId);
  }

  get(itemId: string): StoredItem | undefined {
    return this.#items.get(itemId);
  }

  /** Id of the item before `itemId`, or null when it is first (or absent). */
  previousId(itemId: string): string | null {
    const index = this.#order.indexOf(itemId);
    return index > 0 ? this.#order[index - 1] : null;
  }

  /** Items in order (a copy of the list; the items themselves are shared). */
  items(): StoredItem[] {
    return this.#order.map((id) => this.#items.get(id)!);
  }

  /**
   * Adds `item` after `previousItemId` (`"root"` = at the start; omitted = at the end) and
   * returns the id of the item now before it, or null.
   *
   * @throws {RangeError} when the id is taken or `previousItemId` names no item; check first
   */
  insert(
    item: Item,
    audio: (Uint8Array | null)[] = [],
    previousItemId?: string,
  ): string | null {
    if (this.#items.has(item.id)) {
      throw new RangeError(`Cannot insert item: id '${item.id}' is already in the conversation`);
    }
    let index = this.#order.length;
    if (previousItemId === ROOT_ITEM_ID) {
      index = 0;
    } else if (previousItemId !== undefined) {
      const previous = this.#order.indexOf(previousItemId);
      if (previous < 0) {
        throw new RangeError(`Cannot insert item: no item '${previousItemId}' to insert after`);
      }
      index = previous + 1;
    }
    this.#order.splice(index, 0, item.id);
    const audioMs = audio.map((bytes) => (bytes ? bytes.length / BYTES_PER_MS : 0));
    this.#items.set(item.id, { item, audio: [...audio], audioMs });
    this.#countAudio(audio);
    return index > 0 ? this.#order[index - 1] : null;
  }

  /** Replaces the audio of one content part (a finished or truncated assistant item). */
  setAudio(itemId: string, contentIndex: number, bytes: Uint8Array): void {
    const stored = this.#items.get(itemId);
    if (!stored) throw new RangeError(`Cannot set audio: no item '${itemId}'`);
    const old = stored.audio[contentIndex];
    if (old) this.#audioBytes -= old.length;
    stored.audio[contentIndex] = bytes;
    stored.audioMs[contentIndex] = bytes.length / BYTES_PER_MS;
    this.#countAudio([bytes]);
  }

  /** Removes an item; returns whether it was there. */
  delete(itemId: string): boolean {
    const stored = this.#items.get(itemId);
    if (!stored) return false;
    this.#items.delete(itemId);
    this.#order.splice(this.#order.indexOf(itemId), 1);
    for (const bytes of stored.audio) if (bytes) this.#audioBytes -= bytes.length;
    return true;
  }

  /**
   * The most recent user message a reply can answer: its typed text (the `input_text` parts
   * joined) or its audio; user messages with neither (audio dropped past the cap) are skipped.
   */
  lastUserTurn(): UserTurn | undefined {
    for (let i = this.#order.length - 1; i >= 0; i--) {
      const stored = this.#items.get(this.#order[i])!;
      const turn = userTurnOf(stored);
      if (turn) return turn;
    }
    return undefined;
  }

  /** Total ms of user audio in the conversation (for token estimates). */
  userAudioMs(): number {
    let ms = 0;
    for (const stored of this.#items.values()) {
      if (stored.item.type === "message" && stored.item.role === "user") {
        for (const part of stored.audioMs) ms += part;
      }
    }
    return ms;
  }

  #countAudio(audio: (Uint8Array | null)[]): void {
    for (const bytes of audio) if (bytes) this.#audioBytes += bytes.length;
    // Oldest first, drop bytes (never lengths) until under the cap; the newest item stays whole.
    for (
      let i = 0;
      i < this.#order.length - 1 && this.#audioBytes > MAX_CONVERSATION_AUDIO_BYTES;
      i++
    ) {
      const stored = this.#items.get(this.#order[i])!;
      for (let part = 0; part < stored.audio.length; part++) {
        const bytes = stored.audio[part];
        if (!bytes) continue;
        this.#audioBytes -= bytes.length;
        stored.audio[part] = null;
      }
    }
  }
}

/** What a stored user message says: its typed text, else its kept audio; undefined otherwise. */
export function userTurnOf(stored: StoredItem): UserTurn | undefined {
  const item = stored.item;
  if (item.type !== "message" || item.role !== "user") return undefined;
  const text = item.content.flatMap((part) => part.type === "input_text" ? [part.text] : []);
  if (text.length > 0) return { type: "text", text: text.join("\n") };
  const pcm = stored.audio.find((bytes) => bytes !== null && bytes.length > 0);
  return pcm ? { type: "audio", pcm } : undefined;
}
