import { doesNotMatch, equal, match, rejects } from "node:assert/strict";
import { bundleForBrowser } from "./bundle.ts";

Deno.test("bundleForBrowser() joins the entry and the files it imports into one script", async () => {
  const script = await bundleForBrowser(
    {
      "entry.ts":
        'import { answer } from "./answer.ts";\n(globalThis as { bundled?: number }).bundled = answer * 2;\n',
      "answer.ts": "export const answer: number = 21;\n",
    },
    "entry.ts",
    "the sample",
  );
  doesNotMatch(script, /^\s*import\s/m, "no import is left");
  const scope: { bundled?: number } = {};
  new Function("globalThis", script)(scope);
  equal(scope.bundled, 42);
});

Deno.test("bundleForBrowser() says what could not be bundled, with deno bundle's words", async () => {
  await rejects(
    bundleForBrowser({ "entry.ts": 'import "./missing.ts";\n' }, "entry.ts", "the sample"),
    (error: Error) => {
      match(error.message, /^Cannot bundle the sample: /);
      match(error.message, /missing\.ts/);
      return true;
    },
  );
});
