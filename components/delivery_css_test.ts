/**
 * static/delivery.css is readable: every text colour it sets meets WCAG's 4.5:1 on the
 * background it sits on (a card, or the page behind the summary's card), in the light and the
 * dark scheme, with the page's colour variables from static/styles.css.
 */
import { ok } from "node:assert/strict";
import { assertReadable, customProperties, lastValue, SCHEMES } from "@/testing/contrast.ts";

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

for (const scheme of SCHEMES) {
  Deno.test(`delivery.css (${scheme}): its text meets 4.5:1 on its backgrounds`, () => {
    const vars = customProperties(PAGE, scheme);
    for (const [selector, backgrounds] of TEXT) {
      const color = lastValue(CSS, selector, "color");
      ok(color, `${selector} sets a colour`);
      for (const background of backgrounds) {
        assertReadable(color, `var(${background})`, vars, selector);
      }
    }
  });
}

Deno.test("delivery.css uses only colour variables the page defines", () => {
  for (const scheme of SCHEMES) {
    const vars = customProperties(PAGE, scheme);
    for (const [, name] of CSS.matchAll(/var\(\s*(--[\w-]+)\s*\)/g)) {
      ok(vars.has(name), `${name} is defined in styles.css (${scheme})`);
    }
  }
});
