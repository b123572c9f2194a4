/**
 * The page's memory of its conversation: the latest `relay.conversation` (its id, resume
 * token and expiry), kept in memory and in the tab's `sessionStorage`, so that a reconnect,
 * a Start after Stop or a reload in the same tab goes on with the same conversation. A token
 * past its `expiresAt` is dropped, and so is one the server refused.
 *
 * @module
 */
import type { ConversationNote } from "./relay_events.ts";

/** The `sessionStorage` key the conversation is kept under. */
export const STORAGE_KEY = "voice-coach.conversation";

/** The part of `Storage` used here. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What is remembered. */
export interface RememberedConversation {
  conversationId: string;
  resumeToken: string;
  /** Ms since the epoch. */
  expiresAt: number;
}

/** Options of {@linkcode ConversationMemory}. */
export interface ConversationMemoryOptions {
  /**
   * Where the conversation outlives a reload (null: memory only).
   * @default {globalThis.sessionStorage, when the page may use it}
   */
  storage?: KeyValueStorage | null;
  /**
   * Now, in ms since the epoch.
   * @default {Date.now}
   */
  now?: () => number;
}

/** The page's conversation and its resume token. */
export class ConversationMemory {
  #storage: KeyValueStorage | null;
  #now: () => number;
  #current: RememberedConversation | null;

  constructor(options: ConversationMemoryOptions = {}) {
    this.#storage = options.storage === undefined ? tabStorage() : options.storage;
    this.#now = options.now ?? Date.now;
    this.#current = this.#load();
  }

  /** The conversation, while its token lives (null: none, or it expired). */
  get current(): RememberedConversation | null {
    if (this.#current && this.#current.expiresAt <= this.#now()) this.forget();
    return this.#current;
  }

  /** The token to send with the next ticket request, or null. */
  get resumeToken(): string | null {
    return this.current?.resumeToken ?? null;
  }

  /** Keeps the latest `relay.conversation`. */
  remember(note: ConversationNote): void {
    this.#current = {
      conversationId: note.conversationId,
      resumeToken: note.resumeToken,
      expiresAt: note.expiresAt,
    };
    this.#write(JSON.stringify(this.#current));
  }

  /** Drops the conversation (its token was refused, or it expired). */
  forget(): void {
    this.#current = null;
    this.#write(null);
  }

  #load(): RememberedConversation | null {
    let value: unknown;
    try {
      value = JSON.parse(this.#storage?.getItem(STORAGE_KEY) ?? "null");
    } catch {
      return null;
    }
    const v = value as Partial<RememberedConversation> | null;
    if (
      typeof v?.conversationId !== "string" || typeof v.resumeToken !== "string" ||
      typeof v.expiresAt !== "number" || v.expiresAt <= this.#now()
    ) return null;
    return { conversationId: v.conversationId, resumeToken: v.resumeToken, expiresAt: v.expiresAt };
  }

  #write(value: string | null): void {
    try {
      if (value === null) this.#storage?.removeItem(STORAGE_KEY);
      else this.#storage?.setItem(STORAGE_KEY, value);
    } catch {
      // Storage full or refused (private mode): the memory copy still works for this page.
    }
  }
}

/** The tab's `sessionStorage`, or null where it cannot be used. */
function tabStorage(): KeyValueStorage | null {
  try {
    return (globalThis as { sessionStorage?: KeyValueStorage }).sessionStorage ?? null;
  } catch {
    return null;
  }
}
