/**
 * The transcript as the service's events tell it: which server events add a turn, stream its
 * text, finish it or mark it interrupted. The controller hands every event here first; the
 * {@linkcode Transcript} keeps the order.
 *
 * @module
 */
import type { ServerEvent } from "@/lib/shared/realtime/mod.ts";
import type { Transcript } from "./transcript.ts";

/** What a user turn reads when the service could not transcribe it. */
export const NOT_TRANSCRIBED = "(speech not transcribed)";

/** Applies `event` to `transcript`; true when it was a transcript event. */
export function applyTranscriptEvent(transcript: Transcript, event: ServerEvent): boolean {
  switch (event.type) {
    case "conversation.item.added": {
      const item = event.item as { id: string; role?: string; type: string };
      if (item.type !== "message" || (item.role !== "user" && item.role !== "assistant")) {
        return false;
      }
      transcript.add(item.id, item.role, event.previous_item_id ?? null);
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
    default:
      return false;
  }
}
