/**
 * A benchmark's output and options: the report on stdout, progress on stderr, figures and
 * Markdown tables, integer options.
 *
 * @module
 */

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
