/**
 * The conversation as the page shows it: one entry per item, in conversation order, with
 * assistant text streaming in from transcript deltas.
 *
 * Items are placed by `previous_item_id` (the service says which item each one follows), so
 * out-of-order transcription events and late items land in the right place.
 *
 * @module
 */

export type Role = "user" | "assistant";
export type EntryStatus = "streaming" | "done" | "unavailable" | "truncated";

export interface TranscriptEntry {
  itemId: string;
  role: Role;
  text: string;
  status: EntryStatus;
}

export class Transcript {
  #entries: TranscriptEntry[] = [];
  #byId = new Map<string, TranscriptEntry>();

  get entries(): readonly TranscriptEntry[] {
    return this.#entries;
  }

  /** Adds an item after `previousItemId` (null: at the start; unknown: at the end). */
  add(itemId: string, role: Role, previousItemId: string | null, text = ""): TranscriptEntry {
    const existing = this.#byId.get(itemId);
    if (existing) return existing;
    const entry: TranscriptEntry = { itemId, role, text, status: "streaming" };
    this.#byId.set(itemId, entry);
    const index = previousItemId === null
      ? 0
      : this.#entries.findIndex((e) => e.itemId === previousItemId) + 1;
    if (previousItemId !== null && index === 0) this.#entries.push(entry);
    else this.#entries.splice(index, 0, entry);
    return entry;
  }

  /** Appends streamed text (an unknown item is added at the end). */
  append(itemId: string, role: Role, delta: string): void {
    const entry = this.#byId.get(itemId) ?? this.add(itemId, role, "?");
    entry.text += delta;
  }

  /** Sets the final text and status of an item. */
  finish(itemId: string, role: Role, text: string | null, status: EntryStatus = "done"): void {
    const entry = this.#byId.get(itemId) ?? this.add(itemId, role, "?");
    if (text !== null) entry.text = text;
    entry.status = status;
  }

  remove(itemId: string): void {
    const entry = this.#byId.get(itemId);
    if (!entry) return;
    this.#byId.delete(itemId);
    this.#entries.splice(this.#entries.indexOf(entry), 1);
  }

  clear(): void {
    this.#entries = [];
    this.#byId.clear();
  }
}
