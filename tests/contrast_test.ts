/**
 * The page's text is readable: every pair of text and background colour in static/styles.css
 * meets WCAG's 4.5:1, in the light and in the dark scheme, the power button's label on every
 * state's gradient included (both of its ends). The colours are read from the stylesheet, so a
 * change that breaks a pair fails here.
 */
import { ok } from "node:assert/strict";
import {
  assertReadable,
  customProperties,
  lastValue as lastValueIn,
  SCHEMES,
  varNames,
} from "@/testing/contrast.ts";
import { STATUS } from "@/islands/voice_words.ts";

const CSS = await Deno.readTextFile(new URL("../static/styles.css", import.meta.url));

/** The last value of `property` among the rules of `selector` in styles.css. */
function lastValue(selector: string, property: string): string | undefined {
  return lastValueIn(CSS, selector, property);
}

for (const scheme of SCHEMES) {
  Deno.test(`contrast (${scheme}): the power button's label on every state's colours`, () => {
    const vars = customProperties(CSS, scheme);
    const label = lastValue(".power", "color");
    ok(label, "the .power rule sets the label colour");
    for (const state of Object.keys(STATUS)) {
      const selector = state === "off" ? ".power" : `.power-${state}`;
      const background = lastValue(selector, "background");
      ok(background, `${selector} sets a background`);
      const stops = varNames(background);
      ok(stops.length >= 2, `${selector}'s background uses colour variables: ${background}`);
      for (const stop of stops) {
        assertReadable(label, `var(${stop})`, vars, `${state} button`);
      }
    }
    // The held push-to-talk button.
    assertReadable(
      lastValue(".talk.talking", "color")!,
      lastValue(".talk.talking", "background")!,
      vars,
      "held talk button",
    );
  });

  Deno.test(`contrast (${scheme}): text, muted text, verdicts and banners on their backgrounds`, () => {
    const vars = customProperties(CSS, scheme);
    const pairs: [string, string[]][] = [
      ["--fg", ["--bg", "--card"]],
      ["--muted", ["--bg", "--card"]],
      ["--ok-fg", ["--bg", "--card"]],
      ["--warn-fg", ["--bg", "--card"]],
      ["--danger-fg", ["--bg", "--card"]],
      ["--banner-fg", ["--banner-bg"]],
      ["--banner-failed-fg", ["--banner-failed-bg"]],
      ["--banner-budget-fg", ["--banner-budget-bg"]],
    ];
    for (const [fg, backgrounds] of pairs) {
      for (const bg of backgrounds) assertReadable(`var(${fg})`, `var(${bg})`, vars, fg);
    }
    // Each banner kind's rule uses one of the pairs above.
    for (const selector of [".banner", ".banner-failed", ".banner-budget"]) {
      assertReadable(
        lastValue(selector, "color")!,
        lastValue(selector, "background")!,
        vars,
        selector,
      );
    }
  });
}
