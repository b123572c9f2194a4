/**
 * The conversation as the page shows it: one entry per item, in conversation order, with
 * assistant text streaming in from transcript deltas.
 *
 * Items are placed by `previous_item_id` (the service says which item each one follows), so
 * out-of-order transcription events and late items land in the right place. The transcript
 * outlives the service's sessions (Stop and Start, reconnects, rollovers): a new session's
 * first item says it follows nothing (`null`), yet it comes after every earlier turn, so
 * {@linkcode Transcript.newSession} marks where the next session's items begin.
 *
 * A turn that ends early (the user talked over it, pressed Stop, or the connection dropped)
 * keeps its text cut at the last whole word, with any bracket it opened closed
 * ({@linkcode cleanCut}); its status says why it ended.
 *
 * @module
 */

export type Role = "user" | "assistant";
/**
 * `truncated`: interrupted (barge-in, or lost in a drop); `stopped`: the user pressed Stop
 * while it streamed.
 */
export type EntryStatus = "streaming" | "done" | "unavailable" | "truncated" | "stopped";

export interface TranscriptEntry {
  itemId: string;
  role: Role;
  text: string;
  status: EntryStatus;
}

/** Statuses of a turn that ended early: later text never makes it look finished. */
const CUT: ReadonlySet<EntryStatus> = new Set(["truncated", "stopped"]);

export class Transcript {
  #entries: TranscriptEntry[] = [];
  #byId = new Map<string, TranscriptEntry>();
  /** How many entries came before the current session: its first item goes after them. */
  #sessionStart = 0;

  get entries(): readonly TranscriptEntry[] {
    return this.#entries;
  }

  /** Whether the item is shown. */
  has(itemId: string): boolean {
    return this.#byId.has(itemId);
  }

  /**
   * A new service session begins (its items say they follow nothing or items the page never
   * saw): they go below every turn so far.
   */
  newSession(): void {
    this.#sessionStart = this.#entries.length;
  }

  /**
   * Adds an item after `previousItemId` (null: at the start of the current session; unknown:
   * at the end).
   */
  add(itemId: string, role: Role, previousItemId: string | null, text = ""): TranscriptEntry {
    const existing = this.#byId.get(itemId);
    if (existing) return existing;
    const entry: TranscriptEntry = { itemId, role, text, status: "streaming" };
    this.#byId.set(itemId, entry);
    const index = previousItemId === null
      ? Math.min(this.#sessionStart, this.#entries.length)
      : this.#entries.findIndex((e) => e.itemId === previousItemId) + 1;
    if (previousItemId !== null && index === 0) this.#entries.push(entry);
    else this.#entries.splice(index, 0, entry);
    return entry;
  }

  /** Appends streamed text (an unknown item is added at the end); a cut turn takes no more. */
  append(itemId: string, role: Role, delta: string): void {
    const entry = this.#byId.get(itemId) ?? this.add(itemId, role, "?");
    if (!CUT.has(entry.status)) entry.text += delta;
  }

  /**
   * Sets the final text and status of an item. A turn that was cut stays cut (its text
   * cleaned), whatever the service says later.
   */
  finish(itemId: string, role: Role, text: string | null, status: EntryStatus = "done"): void {
    const entry = this.#byId.get(itemId) ?? this.add(itemId, role, "?");
    if (CUT.has(entry.status) && !CUT.has(status)) return;
    if (text !== null) entry.text = text;
    entry.status = status;
    if (CUT.has(status)) entry.text = cleanCut(entry.text);
  }

  /**
   * Ends every turn still streaming: assistant turns as `status` (cut), user turns that have
   * text as done and those without as `emptyText` (`unavailable`).
   */
  endStreaming(status: "truncated" | "stopped", emptyText: string): void {
    for (const entry of this.#entries) {
      if (entry.status !== "streaming") continue;
      if (entry.role === "assistant") this.finish(entry.itemId, "assistant", null, status);
      else if (entry.text.trim() !== "") entry.status = "done";
      else this.finish(entry.itemId, "user", emptyText, "unavailable");
    }
  }

  remove(itemId: string): void {
    const entry = this.#byId.get(itemId);
    if (!entry) return;
    this.#byId.delete(itemId);
    const at = this.#entries.indexOf(entry);
    this.#entries.splice(at, 1);
    if (at < this.#sessionStart) this.#sessionStart--;
  }

  clear(): void {
    this.#entries = [];
    this.#byId.clear();
    this.#sessionStart = 0;
  }
}

const BRACKETS: Record<string, string> = { "(": ")", "[": "]", "“": "”", '"': '"' };

/**
 * Text cut mid-stream, made to end cleanly: the last partial word dropped (when the text does
 * not already end at a word's end), "…" added, and brackets or quotes it left open closed:
 * `"(local echo of 2.2 s of"` → `"(local echo of 2.2 s of…)"`. Whole text is kept as it is.
 */
export function cleanCut(text: string): string {
  let cut = text.trimEnd();
  if (cut === "") return "";
  // Cut before: a second cut of the same turn adds no second mark.
  if (/…[)\]}"”]*$/.test(cut)) return cut;
  if (isBalanced(cut) && /[.!?)"”\]]$/.test(cut)) return cut;
  if (text === cut && /\s\S+$/.test(cut)) cut = cut.replace(/\s+\S+$/, "");
  cut = cut.replace(/[\s,;:—-]+$/, "");
  const open: string[] = [];
  for (const char of cut) {
    if (char === '"') {
      if (open.at(-1) === '"') open.pop();
      else open.push(char);
    } else if (char in BRACKETS) open.push(char);
    else if (open.length > 0 && char === BRACKETS[open.at(-1)!]) open.pop();
  }
  return `${cut}…${open.reverse().map((c) => BRACKETS[c]).join("")}`;
}

function isBalanced(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (char === "(") depth++;
    else if (char === ")") depth--;
  }
  return depth === 0 && (text.match(/"/g)?.length ?? 0) % 2 === 0;
}
