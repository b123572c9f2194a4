/**
 * static/delivery.css is readable: every text colour it sets meets WCAG's 4.5:1 on the
 * background it sits on (a card, or the page behind the summary's card), in the light and the
 * dark scheme, with the page's colour variables from static/styles.css.
 */
import { ok } from "node:assert/strict";
import {
  contrastRatio,
  customProperties,
  parseColor,
  resolveVars,
  ruleDeclarations,
  type Scheme,
} from "@/testing/contrast.ts";

const STATIC = new URL("../static/", import.meta.url);
const PAGE = await Deno.readTextFile(new URL("styles.css", STATIC));
const CSS = await Deno.readTextFile(new URL("delivery.css", STATIC));

/** The text rules of delivery.css and the backgrounds each is shown on. */
const TEXT: [string, string[]][] = [
  // The card sits in a user bubble (`.turn`, --card).
  [".delivery-card", ["--card"]],
  [".delivery-card dt", ["--card"]],
  [".delivery-card dd", ["--card"]],
  [".delivery-flag", ["--card"]],
  [".session-summary", ["--card"]],
  [".session-summary dt", ["--card"]],
  [".summary-status", ["--card"]],
];

for (const scheme of ["light", "dark"] as Scheme[]) {
  Deno.test(`delivery.css (${scheme}): its text meets 4.5:1 on its backgrounds`, () => {
    const vars = customProperties(PAGE, scheme);
    for (const [selector, backgrounds] of TEXT) {
      const color = ruleDeclarations(CSS, selector).map((d) => d.get("color")).at(-1);
      ok(color, `${selector} sets a colour`);
      for (const background of backgrounds) {
        const ratio = contrastRatio(
          parseColor(resolveVars(color, vars)),
          parseColor(resolveVars(`var(${background})`, vars)),
        );
        ok(ratio >= 4.5, `${selector}: ${color} on ${background} is ${ratio.toFixed(2)}:1`);
      }
    }
  });
}

Deno.test("delivery.css uses only colour variables the page defines", () => {
  for (const scheme of ["light", "dark"] as Scheme[]) {
    const vars = customProperties(PAGE, scheme);
    for (const [, name] of CSS.matchAll(/var\(\s*(--[\w-]+)\s*\)/g)) {
      ok(vars.has(name), `${name} is defined in styles.css (${scheme})`);
    }
  }
});
