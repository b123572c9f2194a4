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
import type { Transcript } from "./transcript.ts";

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
    case "conversation.item.input_audio_transcription.delta":
      transcript.append(event.item_id, "user", event.delta);
      return true;
    case "conversation.item.input_audio_transcription.completed":
      transcript.finish(event.item_id, "user", event.transcript);
      return true;
    case "conversation.item.input_audio_transcription.failed":
      transcript.finish(event.item_id, "user", NOT_TRANSCRIBED, "unavailable");
      return true;
    case "response.output_audio_transcript.delta":
      transcript.append(event.item_id, "assistant", event.delta);
      return true;
    case "response.output_audio_transcript.done":
      transcript.finish(event.item_id, "assistant", event.transcript);
      return true;
    case "conversation.item.truncated":
      transcript.finish(event.item_id, "assistant", null, "truncated");
      return true;
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
