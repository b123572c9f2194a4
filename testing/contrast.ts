/**
 * Colour contrast as WCAG 2 measures it, and just enough CSS reading to get the colours of
 * `static/styles.css`: its custom properties for the light and the dark scheme, and the
 * declarations of a rule. The contrast test uses it so a colour change that makes text hard to
 * read fails; `assertReadable()` is the check each pair goes through.
 *
 * @module
 */
import { ok } from "node:assert/strict";

/** An sRGB colour, 0..255 per channel. */
export type Rgb = readonly [number, number, number];

/** Reads `#rgb`, `#rrggbb` or `rgb(r, g, b)`. */
export function parseColor(text: string): Rgb {
  const value = text.trim().toLowerCase();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(value);
  if (short) return [1, 2, 3].map((i) => parseInt(short[i] + short[i], 16)) as unknown as Rgb;
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(value);
  if (long) return [1, 2, 3].map((i) => parseInt(long[i], 16)) as unknown as Rgb;
  const rgb = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(value);
  if (rgb) return [1, 2, 3].map((i) => Number(rgb[i])) as unknown as Rgb;
  throw new TypeError(
    `Cannot read the colour ${JSON.stringify(text)}: use #rgb, #rrggbb or rgb(r, g, b)`,
  );
}

/** WCAG 2 relative luminance, 0 (black) … 1 (white). */
export function relativeLuminance([r, g, b]: Rgb): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG 2 contrast ratio of two colours, 1 … 21, whichever is lighter. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** One CSS rule: its selector (or at-rule prelude) and its body. */
interface Block {
  prelude: string;
  body: string;
}

/** The top-level blocks of `css` (comments dropped). */
function blocks(css: string): Block[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "");
  const out: Block[] = [];
  let depth = 0;
  let start = 0;
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "{") {
      if (depth === 0) open = i;
      depth++;
    } else if (text[i] === "}") {
      depth--;
      if (depth === 0) {
        out.push({ prelude: text.slice(start, open).trim(), body: text.slice(open + 1, i) });
        start = i + 1;
      }
    }
  }
  return out;
}

/** The declarations of a rule body: property → value. */
export function declarations(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of body.split(";")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    out.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
  }
  return out;
}

/** The colour scheme to read the custom properties for. */
export type Scheme = "light" | "dark";

/**
 * The custom properties (`--name` → value, `var()` resolved) of the `:root` rules of `css`,
 * and for `dark` those of `@media (prefers-color-scheme: dark)` over them.
 */
export function customProperties(css: string, scheme: Scheme): Map<string, string> {
  const raw = new Map<string, string>();
  const take = (body: string) => {
    for (const [name, value] of declarations(body)) if (name.startsWith("--")) raw.set(name, value);
  };
  for (const block of blocks(css)) {
    if (block.prelude === ":root") take(block.body);
  }
  if (scheme === "dark") {
    for (const block of blocks(css)) {
      if (!/^@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)$/.test(block.prelude)) continue;
      for (const inner of blocks(block.body)) if (inner.prelude === ":root") take(inner.body);
    }
  }
  return new Map([...raw.keys()].map((name) => [name, resolveVars(raw.get(name)!, raw)]));
}

/** `value` with each `var(--name)` replaced by its value in `vars`. */
export function resolveVars(value: string, vars: Map<string, string>, depth = 0): string {
  if (depth > 10) {
    throw new RangeError(
      `Cannot resolve ${value}: custom properties refer to each other in a loop`,
    );
  }
  return value.replace(/var\(\s*(--[\w-]+)\s*\)/g, (_, name: string) => {
    const found = vars.get(name);
    if (found === undefined) {
      throw new TypeError(`Cannot resolve var(${name}): no such custom property in :root`);
    }
    return resolveVars(found, vars, depth + 1);
  });
}

/** The declarations of every top-level rule whose selector list has `selector`, in order. */
export function ruleDeclarations(css: string, selector: string): Map<string, string>[] {
  return blocks(css)
    .filter((block) => block.prelude.split(",").map((s) => s.trim()).includes(selector))
    .map((block) => declarations(block.body));
}

/** The last value of `property` among the rules of `selector` in `css`, if any sets it. */
export function lastValue(css: string, selector: string, property: string): string | undefined {
  return ruleDeclarations(css, selector).map((d) => d.get(property)).filter(Boolean).at(-1);
}

/** Both colour schemes, for a test per scheme. */
export const SCHEMES: readonly Scheme[] = ["light", "dark"];
/** WCAG's AA minimum contrast for text. */
export const MIN_RATIO = 4.5;

/**
 * Fails (an `AssertionError`) unless the CSS colour `fg` on `bg` (each may use `var()`, resolved with `vars`)
 * meets {@linkcode MIN_RATIO}; `what` names the pair in the message.
 */
export function assertReadable(
  fg: string,
  bg: string,
  vars: Map<string, string>,
  what: string,
): void {
  const ratio = contrastRatio(parseColor(resolveVars(fg, vars)), parseColor(resolveVars(bg, vars)));
  ok(ratio >= MIN_RATIO, `${what}: ${fg} on ${bg} is ${ratio.toFixed(2)}:1, below ${MIN_RATIO}:1`);
}

/** The `var(--name)` names a CSS value uses, in order. */
export function varNames(value: string): string[] {
  return [...value.matchAll(/var\(\s*(--[\w-]+)\s*\)/g)].map((m) => m[1]);
}
