/**
 * The conversation the relay keeps for a browser: its user and assistant turns as text, in
 * conversation order, so that a new upstream session (after a rollover, or a resume after a
 * dropped browser) can be given what was said. No audio is kept.
 *
 * - A user turn's text is its input transcription
 *   (`conversation.item.input_audio_transcription.completed`), or for a typed turn the
 *   `input_text` of its item (`conversation.item.added`); an assistant turn's is its audio
 *   transcript (`response.output_audio_transcript.done`) or text (`response.output_text.done`).
 * - Order is the conversation's: a turn takes its place when its item is first seen
 *   (`input_audio_buffer.committed`, `conversation.item.added`, `response.output_item.added`),
 *   after its `previous_item_id` when that is known, else at the end; its text fills in later.
 *   Turns whose text never comes (transcription off or failed) are left out of the record.
 * - Bounds (the rule): at most {@linkcode MAX_TURNS} turns and {@linkcode MAX_TEXT_BYTES}
 *   bytes of UTF-8 text in all; past either, the oldest turns are dropped, whole, until both
 *   hold. A single turn longer than the byte limit keeps its last {@linkcode MAX_TEXT_BYTES}
 *   bytes' worth of characters.
 * - Storage: one KV key per conversation, `["conversation", id]`, holding `{turns, updatedAt}`
 *   and expiring {@linkcode CONVERSATION_TTL_MS} after its last write. Writes happen at turn
 *   ends, never per message, and the relay does not wait for them: a write in flight coalesces
 *   the next ones into one.
 *
 * @module
 */
import type { UpstreamEvent } from "./upstream_event.ts";
import { storeFailed } from "./store/_checks.ts";

/** At most this many turns are kept. */
export const MAX_TURNS = 50;
/** At most this many bytes of UTF-8 text are kept over all turns. */
export const MAX_TEXT_BYTES = 32 * 1024;
/** A conversation expires this long after its last activity. */
export const CONVERSATION_TTL_MS = 30 * 60 * 1000;
/** Where conversations live in KV: `["conversation", id]`. */
export const CONVERSATION_PREFIX: Deno.KvKey = ["conversation"];

/** One turn of the conversation. */
export interface Turn {
  role: "user" | "assistant";
  text: string;
}

/** What the store keeps for a conversation. */
export interface StoredConversation {
  turns: Turn[];
  /** Milliseconds since the epoch of the last write. */
  updatedAt: number;
}

const encoder = new TextEncoder();

function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * `turns` within the bounds: the oldest dropped past {@linkcode MAX_TURNS} turns or
 * {@linkcode MAX_TEXT_BYTES} bytes of text (a single over-long turn keeps its end).
 */
export function boundTurns(turns: readonly Turn[]): Turn[] {
  const kept: Turn[] = [];
  let bytes = 0;
  for (let i = turns.length - 1; i >= 0 && kept.length < MAX_TURNS; i--) {
    const turn = turns[i];
    const size = utf8Bytes(turn.text);
    if (bytes + size > MAX_TEXT_BYTES) {
      if (kept.length === 0) kept.push({ role: turn.role, text: tail(turn.text) });
      break;
    }
    bytes += size;
    kept.push(turn);
  }
  return kept.reverse();
}

/** The longest end of `text` that fits in {@linkcode MAX_TEXT_BYTES} bytes. */
function tail(text: string): string {
  let start = Math.max(0, text.length - MAX_TEXT_BYTES);
  while (utf8Bytes(text.slice(start)) > MAX_TEXT_BYTES) start++;
  // Never start in the middle of a surrogate pair.
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return text.slice(start);
}

/** @throws {TypeError} when `id` is not a conversation id (`conv_…`) */
function checkId(id: string, action: string): void {
  if (typeof id !== "string" || !/^conv_[0-9A-Za-z]{1,64}$/.test(id)) {
    throw new TypeError(`Cannot ${action}: "${id}" is not a conversation id (conv_…)`);
  }
}

/** Conversations on one KV store. */
export class ConversationStore {
  #kv: Deno.Kv;
  #now: () => number;

  /** `now`: clock in milliseconds since the epoch. @default {Date.now} */
  constructor(kv: Deno.Kv, options: { now?: () => number } = {}) {
    this.#kv = kv;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The turns kept for conversation `id`, oldest first; null when there are none (never
   * written, or expired).
   *
   * @throws {TypeError} when `id` is not a conversation id
   * @throws {Error} when the store fails
   */
  async load(id: string): Promise<Turn[] | null> {
    checkId(id, "load the conversation");
    let entry;
    try {
      entry = await this.#kv.get<StoredConversation>([...CONVERSATION_PREFIX, id]);
    } catch (error) {
      throw storeFailed("load the conversation", error, "start it afresh");
    }
    const value = entry.value;
    if (value === null) return null;
    // Deno KV may keep an expired key a little while past its expiry.
    if (this.#now() - value.updatedAt > CONVERSATION_TTL_MS) return null;
    return value.turns;
  }

  /**
   * Replaces conversation `id`'s turns with `turns` (bounded), expiring
   * {@linkcode CONVERSATION_TTL_MS} from now.
   *
   * @throws {TypeError} when `id` is not a conversation id
   * @throws {Error} when the store fails
   */
  async save(id: string, turns: readonly Turn[]): Promise<void> {
    checkId(id, "save the conversation");
    const value: StoredConversation = { turns: boundTurns(turns), updatedAt: this.#now() };
    try {
      await this.#kv.set([...CONVERSATION_PREFIX, id], value, { expireIn: CONVERSATION_TTL_MS });
    } catch (error) {
      throw storeFailed("save the conversation", error, "the next turn end writes it again");
    }
  }
}

/** A turn seen in the session, with its text once it arrives. */
interface Slot {
  id: string;
  role: Turn["role"];
  text: string | null;
}

/** Options of {@linkcode ConversationLog}. */
export interface ConversationLogOptions {
  /** The conversation's id (`conv_…`). */
  id: string;
  /** Where it is saved. */
  store: ConversationStore;
  /**
   * The turns kept so far (a resumed conversation).
   * @default {[]}
   */
  turns?: readonly Turn[];
  /** Told when a save failed (the next turn end tries again). */
  onError?: (error: Error) => void;
}

/** One conversation as a relay session sees it: the turns, and their saving. */
export class ConversationLog {
  readonly id: string;
  #store: ConversationStore;
  #earlier: Turn[];
  #slots: Slot[] = [];
  #onError: (error: Error) => void;
  #writing: Promise<void> | null = null;
  #writeAgain = false;

  constructor(options: ConversationLogOptions) {
    checkId(options.id, "keep the conversation");
    this.id = options.id;
    this.#store = options.store;
    this.#earlier = boundTurns(options.turns ?? []);
    this.#onError = options.onError ?? (() => {});
  }

  /** The turns with text, oldest first, within the bounds. */
  turns(): Turn[] {
    const live: Turn[] = [];
    for (const slot of this.#slots) {
      if (slot.text !== null) live.push({ role: slot.role, text: slot.text });
    }
    return boundTurns([...this.#earlier, ...live]);
  }

  /**
   * Starts a new upstream session: what it said so far becomes the earlier turns (the new
   * session's items are new ids).
   */
  nextSession(): void {
    this.#earlier = this.turns();
    this.#slots = [];
  }

  /**
   * Notes what an upstream event says about the conversation; cheap for every other event.
   * Returns true when a turn ended (its text arrived) and a save was started.
   */
  observe(event: UpstreamEvent): boolean {
    switch (event.type) {
      case "input_audio_buffer.committed":
        this.#place(str(event.item_id), "user", str(event.previous_item_id));
        return false;
      case "conversation.item.added":
      case "response.output_item.added": {
        const item = event.item as
          | { id?: unknown; type?: unknown; role?: unknown; content?: unknown }
          | undefined;
        if (item?.type !== "message") return false;
        if (item.role !== "user" && item.role !== "assistant") return false;
        this.#place(str(item.id), item.role, str(event.previous_item_id));
        // A typed user turn carries its text in the item itself.
        const typed = item.role === "user" ? typedText(item.content) : null;
        return typed === null ? false : this.#fill(str(item.id), "user", typed);
      }
      case "conversation.item.input_audio_transcription.completed":
        return this.#fill(str(event.item_id), "user", str(event.transcript));
      case "response.output_audio_transcript.done":
        return this.#fill(str(event.item_id), "assistant", str(event.transcript));
      case "response.output_text.done":
        return this.#fill(str(event.item_id), "assistant", str(event.text));
      default:
        return false;
    }
  }

  #place(id: string | null, role: Turn["role"], previous: string | null): Slot | null {
    if (id === null) return null;
    const found = this.#slots.find((slot) => slot.id === id);
    if (found) return found;
    const slot: Slot = { id, role, text: null };
    const after = previous === null ? -1 : this.#slots.findIndex((s) => s.id === previous);
    if (after === -1) this.#slots.push(slot);
    else this.#slots.splice(after + 1, 0, slot);
    return slot;
  }

  #fill(id: string | null, role: Turn["role"], text: string | null): boolean {
    if (text === null || text.trim() === "") return false;
    const slot = this.#place(id, role, null);
    if (slot === null) return false;
    slot.text = slot.text === null ? text : slot.text + text;
    // Drop long-gone slots so the session's memory stays bounded too.
    if (this.#slots.length > MAX_TURNS * 2) {
      this.#earlier = this.turns();
      this.#slots = [];
    }
    this.save();
    return true;
  }

  /** Saves the turns now (or right after the write in flight); never rejects. */
  save(): Promise<void> {
    if (this.#writing) {
      this.#writeAgain = true;
      return this.#writing;
    }
    this.#writing = (async () => {
      do {
        this.#writeAgain = false;
        try {
          await this.#store.save(this.id, this.turns());
        } catch (error) {
          this.#onError(error instanceof Error ? error : new Error(String(error)));
        }
      } while (this.#writeAgain);
    })().finally(() => this.#writing = null);
    return this.#writing;
  }

  /** Settles when no save is in flight. */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** The text of a typed message's `input_text` parts, or null when it has none. */
function typedText(content: unknown): string | null {
  if (!Array.isArray(content)) return null;
  const texts = content.flatMap((part) =>
    part !== null && typeof part === "object" && part.type === "input_text" &&
      typeof part.text === "string"
      ? [part.text as string]
      : []
  );
  return texts.length === 0 ? null : texts.join("\n");
}
