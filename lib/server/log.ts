/**
 * Structured logs: one JSON object per line on stderr, with a level, a message and fields
 * (session ids, codes). Secrets are never passed in, and every line goes through a
 * {@linkcode Redactor} that knows the configured secrets, in case something tried.
 *
 * @module
 */

import { Redactor } from "./redact.ts";

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

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /**
   * Where lines go.
   * @default {console.error}
   */
  sink?: LogSink;
  /**
   * Masks secrets in every line.
   * @default {new Redactor()} (key shapes only)
   */
  redactor?: Redactor;
  /** Fields added to every line. */
  base?: Record<string, unknown>;
}

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? defaultSink;
  const redactor = options.redactor ?? new Redactor();
  const base = options.base ?? {};
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
    sink(redactor.redact(line));
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    with: (fields) => createLogger(level, { sink, redactor, base: { ...base, ...fields } }),
  };
}
