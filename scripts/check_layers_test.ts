import { deepEqual, equal } from "node:assert/strict";
import { layerProblems, resolveSpecifier } from "./check_layers.ts";

/** `import x from "<specifier>";`, spelled so that the layer check does not read this file's own cases. */
function imp(specifier: string): string {
  return `import x ${"from"} "${specifier}";`;
}

Deno.test("resolveSpecifier() resolves the root alias and relative paths, and skips packages", () => {
  equal(resolveSpecifier("lib/server/a.ts", "@/routes/_manifest.ts"), "routes/_manifest.ts");
  equal(resolveSpecifier("lib/server/a.ts", "../../tests/x.ts"), "tests/x.ts");
  equal(resolveSpecifier("lib/server/a.ts", "./b.ts"), "lib/server/b.ts");
  equal(resolveSpecifier("lib/a.ts", "../../outside.ts"), null);
  equal(resolveSpecifier("lib/a.ts", "npm:ws"), null);
  equal(resolveSpecifier("lib/a.ts", "node:fs"), null);
});

Deno.test("layerProblems() refuses lib/ reaching up, and tools or helpers reaching into tests/", () => {
  const problems = layerProblems([
    { path: "lib/server/server.ts", text: imp("@/routes/_manifest.ts") },
    { path: "lib/server/a.ts", text: `const m = await ${"import"}("../../islands/Voice.tsx");` },
    { path: "lib/server/b.ts", text: imp("@/testing/server.ts") },
    { path: "lib/server/b_test.ts", text: imp("@/testing/server.ts") },
    {
      path: "lib/server/c_test.ts",
      text: `new ${"URL"}("../../tests/fixtures/a.wav", import.meta.url)`,
    },
    { path: "bench/load.ts", text: imp("../tests/server.ts") },
    { path: "testing/server.ts", text: imp("@/app.ts") },
    { path: "testing/fixtures.ts", text: `new ${"URL"}("../tests/fixtures/", import.meta.url)` },
    { path: "testing/other.ts", text: imp("../tests/fixtures/x.ts") },
    { path: "tests/relay_test.ts", text: imp("@/routes/x.ts") },
    { path: "scripts/a.ts", text: `import ${'"'}../tests/side_effect.ts";` },
  ]);
  deepEqual(problems, [
    "lib/server/server.ts imports routes/_manifest.ts",
    "lib/server/a.ts imports islands/Voice.tsx",
    "lib/server/b.ts imports testing/server.ts",
    "lib/server/c_test.ts imports tests/fixtures/a.wav",
    "bench/load.ts imports tests/server.ts",
    "testing/other.ts imports tests/fixtures/x.ts",
    "scripts/a.ts imports tests/side_effect.ts",
  ]);
});
