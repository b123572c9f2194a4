/**
 * An upstream frame as the relay reads it: parsed once (the browser only gets JSON events),
 * its error fields for the metrics, and its text with every configured secret masked before
 * it is forwarded.
 *
 * An upstream, or a compatible proxy set through `REALTIME_URL`, may echo the credential it was
 * given in an error message; {@linkcode maskSecrets} is what stops it reaching a browser.
 *
 * @module
 */
import type { Redactor } from "./redact.ts";

/** An upstream frame parsed: a JSON object with a string `type`. */
export interface UpstreamEvent {
  type: string;
  [field: string]: unknown;
}

/** `text` parsed when it is a JSON event, else null (garbage, truncated JSON, a bare value). */
export function parseUpstreamEvent(text: string): UpstreamEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return isObject(value) && typeof value.type === "string" ? value as UpstreamEvent : null;
}

/** The `code` and `param` of an `error` event (whatever the upstream put there). */
export function upstreamErrorFields(event: UpstreamEvent): { code: unknown; param: unknown } {
  const error = isObject(event.error) ? event.error : {};
  return { code: error.code, param: error.param };
}

/**
 * `text` (the frame `event` was parsed from) with every configured secret masked; `text`
 * itself when it holds none. Events are scanned whole, except an audio delta's `delta`:
 * base64 audio, scanned field by field around it, since a scan of a whole large delta would
 * cost more than its parse.
 */
export function maskSecrets(redactor: Redactor, text: string, event: UpstreamEvent): string {
  if (event.type !== "response.output_audio.delta") {
    return redactor.leaks(text) ? redactor.redact(text) : text;
  }
  for (const key in event) {
    if (key === "delta") continue;
    const value = event[key];
    const field = typeof value === "string" ? value : JSON.stringify(value) ?? "";
    if (redactor.leaks(field)) {
      const { delta, ...rest } = event;
      return JSON.stringify({ ...JSON.parse(redactor.redact(JSON.stringify(rest))), delta });
    }
  }
  return text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
