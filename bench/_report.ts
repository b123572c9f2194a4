/**
 * A benchmark's output and options: the report on stdout, progress on stderr, figures and
 * Markdown tables, the command line and its integer options.
 *
 * @module
 */
import { parseArgs } from "node:util";

const encoder = new TextEncoder();

/** Writes `text` to stdout (the report). */
export function print(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
}

/** Writes `text` to stderr (progress, kept apart from the report). */
export function progress(text: string): void {
  Deno.stderr.writeSync(encoder.encode(`${text}\n`));
}

/** `n` with `digits` decimals, or "–" for NaN. */
export function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "–";
}

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Integer option `--name` (≥ `min`) from a `node:util` parseArgs value, or `fallback`. */
export function intOption(
  name: string,
  text: string | undefined,
  fallback: number,
  min = 1,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot read --${name}: ${JSON.stringify(text)} is not an integer >= ${min}`,
    );
  }
  return value;
}

/** The options {@linkcode readFlags} reads, by kind. */
export interface FlagNames<S extends string, B extends string> {
  /** Options that take a value, `--name value`. */
  string: readonly S[];
  /**
   * Options that stand alone, `--name`.
   * @default {[]}
   */
  boolean?: readonly B[];
}

/**
 * The command line's options: each of `names.string` as given (undefined when absent), each of
 * `names.boolean` as whether it was given. Any other option or argument is refused.
 */
export function readFlags<S extends string, B extends string = never>(
  names: FlagNames<S, B>,
  args: string[] = Deno.args,
): { [K in S]?: string } & { [K in B]: boolean } {
  const options: Record<string, { type: "string" } | { type: "boolean"; default: boolean }> = {};
  for (const name of names.string) options[name] = { type: "string" };
  for (const name of names.boolean ?? []) options[name] = { type: "boolean", default: false };
  return parseArgs({ args, options }).values as { [K in S]?: string } & { [K in B]: boolean };
}
