/**
 * The transcript as the service's events tell it: which server events add a turn, stream its
 * text, finish it or mark it interrupted. The controller hands every event here first; the
 * {@linkcode Transcript} keeps the order.
 *
 * A typed turn (`input_text` content) shows its text at once. A spoken turn waits for its
 * transcription, or, when the session transcribes nothing, says so at once
 * ({@linkcode TranscriptEventOptions.transcribing}). An answer the service cancelled (the user
 * talked over it, or it was lost when the connection dropped) is marked interrupted.
 *
 * @module
 */
import type { ServerEvent } from "@/lib/shared/realtime/mod.ts";
import type { EntryStatus, Role, Transcript } from "./transcript.ts";

/** What a user turn reads when the service could not transcribe it. */
export const NOT_TRANSCRIBED = "(speech not transcribed)";
/** What a spoken user turn reads when the session transcribes nothing. */
export const SPOKEN_TURN = "(spoken turn — not transcribed)";

/** Options of {@linkcode applyTranscriptEvent}. */
export interface TranscriptEventOptions {
  /**
   * The session transcribes the user's speech (its `audio.input.transcription` is set): a
   * spoken turn waits for its text. When false it reads {@linkcode SPOKEN_TURN} at once.
   * @default true
   */
  transcribing?: boolean;
}

/**
 * What an event about one turn (its `item_id`) does to it: whose turn it is, and its text,
 * appended from the event's `delta`, or set from its `transcript` or a fixed text as the turn
 * ends in `status`.
 */
interface TurnStep {
  role: Role;
  /** The event's field with the text: `delta` is appended, `transcript` is the whole text. */
  field?: "delta" | "transcript";
  /** The text the turn ends with when no field gives it; null keeps what streamed. */
  fixed?: string | null;
  /** How the turn ends. @default "done" */
  status?: EntryStatus;
}

/** The events that stream or end one turn. */
const TURN_STEPS: Partial<Record<ServerEvent["type"], TurnStep>> = {
  "conversation.item.input_audio_transcription.delta": { role: "user", field: "delta" },
  "conversation.item.input_audio_transcription.completed": { role: "user", field: "transcript" },
  "conversation.item.input_audio_transcription.failed": {
    role: "user",
    fixed: NOT_TRANSCRIBED,
    status: "unavailable",
  },
  "response.output_audio_transcript.delta": { role: "assistant", field: "delta" },
  "response.output_audio_transcript.done": { role: "assistant", field: "transcript" },
  "conversation.item.truncated": { role: "assistant", fixed: null, status: "truncated" },
};

interface ContentPart {
  type?: string;
  text?: string;
  transcript?: string | null;
}

/** Applies `event` to `transcript`; true when it was a transcript event. */
export function applyTranscriptEvent(
  transcript: Transcript,
  event: ServerEvent,
  options: TranscriptEventOptions = {},
): boolean {
  const step = TURN_STEPS[event.type];
  if (step !== undefined) {
    // Each of these events has an `item_id`, and the step's field is one of its strings.
    const turn = event as unknown as Record<string, string>;
    if (step.field === "delta") transcript.append(turn.item_id, step.role, turn.delta);
    else {
      const text = step.field === undefined ? step.fixed ?? null : turn[step.field];
      transcript.finish(turn.item_id, step.role, text, step.status);
    }
    return true;
  }
  switch (event.type) {
    case "conversation.item.added": {
      const item = event.item as {
        id: string;
        role?: string;
        type: string;
        content?: ContentPart[];
      };
      if (item.type !== "message" || (item.role !== "user" && item.role !== "assistant")) {
        return false;
      }
      transcript.add(item.id, item.role, event.previous_item_id ?? null);
      if (item.role !== "user") return true;
      const content = item.content ?? [];
      const typed = content.filter((c) => c.type === "input_text").map((c) => c.text ?? "");
      if (typed.length > 0) transcript.finish(item.id, "user", typed.join("\n"));
      else if (options.transcribing === false && content.some((c) => c.type === "input_audio")) {
        transcript.finish(item.id, "user", SPOKEN_TURN, "unavailable");
      }
      return true;
    }
    case "response.done": {
      if (event.response.status !== "cancelled") return false;
      const output = (event.response.output ?? []) as { id?: string; type?: string }[];
      const cut = output.filter((o) => o.type === "message" && transcript.has(o.id ?? ""));
      for (const o of cut) transcript.finish(o.id!, "assistant", null, "truncated");
      return cut.length > 0;
    }
    default:
      return false;
  }
}
