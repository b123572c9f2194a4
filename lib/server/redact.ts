/**
 * Keeps secrets in the server: every configured secret (OpenAI and Azure keys, `RELAY_SECRET`,
 * `EMULATOR_KEY`, and whatever else the configuration holds) is replaced literally wherever
 * it appears in text that leaves the process — what the relay forwards from the upstream
 * (error events, close reasons) and every log line — plus the shapes of keys the server does
 * not know (`sk-…`, `ek_…`, bearer tokens, `api-key=` parameters).
 *
 * An upstream, or a compatible proxy set through `REALTIME_URL`, may echo the credential it was
 * given in an error message or a close reason; this is what stops it reaching a browser.
 *
 * @module
 */

/** What a secret becomes. */
export const REDACTED = "[redacted]";

/** Keys of known shapes, masked even when they are not configured here. */
const PATTERNS: [RegExp, string][] = [
  [/\b(sk-[A-Za-z0-9_-]{2})[A-Za-z0-9_-]+/g, "$1***"],
  [/\b(ek_)[A-Za-z0-9]+/g, "$1***"],
  [/(Bearer\s+)[^\s"\\]+/gi, "$1***"],
  [/(api-key=)[^&\s"\\]+/gi, "$1***"],
  [/(openai-insecure-api-key\.)[^\s,"\\]+/g, "$1***"],
];

/** Replacement passes before the whole text is withheld. */
const MAX_PASSES = 3;

export class Redactor {
  /** Each secret as it appears in plain text and inside a JSON string, longest first. */
  #forms: string[];

  /** `secrets` shorter than 4 characters are ignored (they would mask ordinary text). */
  constructor(secrets: readonly string[] = []) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < 4) continue;
      forms.add(secret);
      forms.add(JSON.stringify(secret).slice(1, -1));
    }
    this.#forms = [...forms].sort((a, b) => b.length - a.length);
  }

  /** Whether `text` holds a configured secret (literally or JSON-escaped). */
  leaks(text: string): boolean {
    for (const form of this.#forms) if (text.includes(form)) return true;
    return false;
  }

  /** `text` with every configured secret replaced by {@linkcode REDACTED} and key shapes masked. */
  redact(text: string): string {
    let out = text;
    // A mask next to the text around it could spell a secret again; give up on the text then.
    for (let pass = 0; this.leaks(out); pass++) {
      if (pass === MAX_PASSES) return REDACTED;
      for (const form of this.#forms) {
        if (out.includes(form)) out = out.replaceAll(form, REDACTED);
      }
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }
}
