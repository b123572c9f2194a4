/**
 * Structured logs: one JSON object per line on stderr, with a level, a message and fields
 * (session ids, codes). Secrets are never passed in; `redact()` guards the few places that
 * could carry one (URLs with keys, headers).
 *
 * @module
 */

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  with(fields: Record<string, unknown>): Logger;
}

/** Where lines go; tests capture them. */
export type LogSink = (line: string) => void;

function defaultSink(line: string): void {
  // deno-lint-ignore no-console
  console.error(line);
}

/** Masks API keys (`sk-…`, `ek_…`) and bearer tokens in free text. */
export function redact(text: string): string {
  return text
    .replace(/\b(sk-[A-Za-z0-9_-]{2})[A-Za-z0-9_-]+/g, "$1***")
    .replace(/\b(ek_)[A-Za-z0-9]+/g, "$1***")
    .replace(/(Bearer\s+)\S+/gi, "$1***")
    .replace(/(api-key=)[^&\s]+/gi, "$1***")
    .replace(/(openai-insecure-api-key\.)\S+/g, "$1***");
}

export function createLogger(
  level: LogLevel,
  sink: LogSink = defaultSink,
  base: Record<string, unknown> = {},
): Logger {
  const threshold = ORDER[level];
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < threshold) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level: lvl,
      msg,
      ...base,
      ...fields,
    });
    sink(redact(line));
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    with: (fields) => createLogger(level, sink, { ...base, ...fields }),
  };
}
