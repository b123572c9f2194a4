import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  assertReadable,
  contrastRatio,
  customProperties,
  lastValue,
  parseColor,
  relativeLuminance,
  ruleDeclarations,
  varNames,
} from "./contrast.ts";

Deno.test("parseColor reads #rgb, #rrggbb and rgb(), and refuses the rest", () => {
  deepEqual(parseColor("#fff"), [255, 255, 255]);
  deepEqual(parseColor("#1B1F2A"), [27, 31, 42]);
  deepEqual(parseColor("rgb(1, 2, 3)"), [1, 2, 3]);
  throws(() => parseColor("rgba(0, 0, 0, 0.5)"), TypeError);
  throws(() => parseColor("red"), /Cannot read the colour "red"/);
});

Deno.test("contrast matches WCAG's reference values", () => {
  equal(relativeLuminance([0, 0, 0]), 0);
  equal(relativeLuminance([255, 255, 255]), 1);
  equal(contrastRatio([0, 0, 0], [255, 255, 255]), 21);
  equal(contrastRatio([255, 255, 255], [255, 255, 255]), 1);
  // #767676 on white is the well-known lightest grey that passes 4.5:1.
  const grey = contrastRatio(parseColor("#767676"), parseColor("#fff"));
  ok(grey > 4.5 && grey < 4.55, String(grey));
  equal(contrastRatio(parseColor("#777"), parseColor("#fff")) < 4.5, true);
});

const CSS = `
/* a comment { with braces } */
:root { --a: #000; --b: var(--a); --c: #fff; }
@media (prefers-color-scheme: dark) { :root { --a: #fff; --c: #000; } }
.x, .y { color: var(--b); background: linear-gradient(var(--a), var(--c)); }
.y { border: 0; }
`;

Deno.test("customProperties reads :root, the dark scheme over it, and resolves var()", () => {
  const light = customProperties(CSS, "light");
  equal(light.get("--b"), "#000");
  const dark = customProperties(CSS, "dark");
  equal(dark.get("--b"), "#fff");
  equal(dark.get("--c"), "#000");
  throws(() => customProperties(":root { --a: var(--nope); }", "light"), /no such custom/);
  throws(() => customProperties(":root { --a: var(--b); --b: var(--a); }", "light"), RangeError);
});

Deno.test("ruleDeclarations finds rules by one selector of their list; varNames lists var()s", () => {
  const rules = ruleDeclarations(CSS, ".y");
  equal(rules.length, 2);
  deepEqual(varNames(rules[0].get("background")!), ["--a", "--c"]);
  equal(ruleDeclarations(CSS, ".z").length, 0);
});

Deno.test("lastValue() is the last rule's value; assertReadable() fails below 4.5:1", () => {
  equal(lastValue(CSS, ".y", "color"), "var(--b)");
  equal(lastValue(CSS, ".y", "outline"), undefined);
  const vars = customProperties(CSS, "light");
  assertReadable("var(--a)", "var(--c)", vars, "black on white");
  assertReadable("#767676", "#fff", vars, "the lightest grey that passes");
  throws(
    () => assertReadable("#777", "var(--c)", vars, "grey"),
    /grey: #777 on var\(--c\) is 4\.48:1, below 4\.5:1/,
  );
});
